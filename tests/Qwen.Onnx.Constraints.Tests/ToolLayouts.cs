using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>The tiny models whose prompts render tools, by test-case name; "-image" cases ask about a picture.</summary>
internal static class ToolLayouts
{
    public static string Folder(string layout) => layout switch
    {
        "genai" => TinyModelFactory.GetOrCreateTextModel(),
        "onnx-text" => TinyModelFactory.GetOrCreateOnnxCommunityTextModel(),
        "qwen2.5-vl-image" => TinyModelFactory.GetOrCreateQwen25VisionLanguageModel(),
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown tool layout."),
    };

    public static bool AsksAboutAnImage(string layout) => layout.EndsWith("-image", StringComparison.Ordinal);

    public static string ImagePath => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png");
}
