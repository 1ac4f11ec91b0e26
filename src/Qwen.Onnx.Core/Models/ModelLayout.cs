namespace Qwen.Onnx.Models;

/// <summary>How an exported Qwen model folder is organised.</summary>
public enum ModelLayout
{
    /// <summary>
    /// ONNX Runtime GenAI: <c>genai_config.json</c>, the decoder graph it names (e.g. <c>model.onnx</c>),
    /// <c>tokenizer.json</c> and <c>tokenizer_config.json</c>. Made by GenAI's model builder.
    /// </summary>
    GenAi,

    /// <summary>
    /// transformers.js / onnx-community: <c>config.json</c>, <c>preprocessor_config.json</c>, tokenizer files and
    /// <c>onnx/embed_tokens*.onnx</c>, <c>onnx/decoder_model_merged*.onnx</c> plus encoders.
    /// </summary>
    OnnxCommunity,
}
