using System.Text;
using Microsoft.ML.Tokenizers;

namespace Qwen.Onnx.Tokenization;

/// <summary>Unicode NFC normalisation, as Qwen's tokenizer.json asks for before pre-tokenisation.</summary>
internal sealed class NfcNormalizer : Normalizer
{
    public static readonly NfcNormalizer Instance = new();

    public override string Normalize(string original) =>
        original.IsNormalized(NormalizationForm.FormC) ? original : original.Normalize(NormalizationForm.FormC);

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
