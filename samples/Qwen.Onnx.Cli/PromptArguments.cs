using System.CommandLine;
using Qwen.Onnx;

namespace Qwen.Onnx.Cli;

/// <summary>The conversation options of run and inspect prompt: a user prompt, an optional system prompt, images, videos and audio.</summary>
internal sealed class PromptArguments
{
    public Option<string> Prompt { get; } = new("--prompt", "-p") { Description = "The user's message.", Required = true };

    public Option<string?> System { get; } = new("--system") { Description = "A system prompt." };

    public Option<string[]> Images { get; } = new("--image") { Description = "An image file (repeatable; needs a vision model)." };

    public Option<string[]> Videos { get; } = new("--video")
    {
        Description = "A folder of video frames, taken in file-name order (repeatable; needs a vision model). Extract them with e.g. ffmpeg -i clip.mp4 -vf fps=2 DIR/%04d.png.",
    };

    public Option<double> VideoFps { get; } = new("--video-fps") { Description = "The rate the --video frames were sampled at.", DefaultValueFactory = _ => 2.0 };

    public Option<string[]> Audios { get; } = new("--audio") { Description = "An audio file (repeatable; needs an audio model)." };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Prompt, System, Images, Videos, VideoFps, Audios })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>One user message with the images, then the videos, then the audio, then the text; after the system prompt if any.</summary>
    public QwenChatRequest Request(ParseResult result, GenerationOptions? options = null)
    {
        var parts = new List<ContentPart>();
        parts.AddRange((result.GetValue(Images) ?? []).Select(ImagePart.FromFile));
        parts.AddRange((result.GetValue(Videos) ?? []).Select(folder => VideoFolder.Load(folder, result.GetValue(VideoFps))));
        parts.AddRange((result.GetValue(Audios) ?? []).Select(AudioPart.FromFile));
        parts.Add(result.GetValue(Prompt)!);
        var messages = new List<QwenChatMessage>();
        if (result.GetValue(System) is string systemPrompt)
        {
            messages.Add(QwenChatMessage.System(systemPrompt));
        }

        messages.Add(QwenChatMessage.User([.. parts]));
        return new QwenChatRequest(messages, options);
    }
}
