using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Runtime;

/// <summary>Creates ONNX Runtime sessions on the requested execution provider, with Qwen.Onnx's typed errors.</summary>
internal static class OnnxSessions
{
    /// <summary>Opens a graph as a <see cref="DirectSession"/>, for loops that must not allocate per run.</summary>
    /// <param name="graphPath">The .onnx file (external weights beside it are found by ONNX Runtime).</param>
    /// <param name="options">Provider, device and fallback; <see langword="null"/> for the CPU.</param>
    /// <param name="providerInUse">The provider the session actually runs on.</param>
    /// <exception cref="ExecutionProviderUnavailableException">The provider cannot be used and fallback is off.</exception>
    /// <exception cref="InvalidModelException">The graph is missing or ONNX Runtime rejects it.</exception>
    public static DirectSession OpenDirect(string graphPath, QwenModelOptions? options, out ExecutionProvider providerInUse)
    {
        options ??= new QwenModelOptions();
        if (options.QuantizedMatMulInt8 && File.Exists(graphPath))
        {
            graphPath = Rewrites.Int8MatMulRewrite.Apply(graphPath, options.LoggerFactory?.CreateLogger(typeof(OnnxSessions)));
        }

        DirectSession session = OpenWithFallback(graphPath, options, out providerInUse);
        options.LoggerFactory?.CreateLogger(typeof(OnnxSessions)).Opened(Path.GetFileName(graphPath), providerInUse);
        return session;
    }

    private static DirectSession OpenWithFallback(string graphPath, QwenModelOptions options, out ExecutionProvider providerInUse)
    {
        if (!File.Exists(graphPath))
        {
            throw new InvalidModelException(ModelFolderOf(graphPath), $"{Path.GetFileName(graphPath)} is missing.");
        }

        try
        {
            providerInUse = options.Provider;
            return Create(graphPath, options.Provider, options);
        }
        catch (TypeInitializationException e) when (e.InnerException is QwenOnnxException versionMismatch)
        {
            throw versionMismatch;
        }
        catch (TypeInitializationException e) when (e.InnerException is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            // The base onnxruntime library itself is absent: no provider, not even the CPU, can load.
            throw new QwenOnnxException(
                $"The ONNX Runtime native library could not be loaded. Add one runtime package to the application: {ExecutionProviderPackages.OnnxRuntimePackage(ExecutionProvider.Cpu)} (CPU), " +
                $"{ExecutionProviderPackages.OnnxRuntimePackage(ExecutionProvider.Cuda)} or {ExecutionProviderPackages.OnnxRuntimePackage(ExecutionProvider.DirectML)}, and build for a supported platform (x64 or arm64). Runtime error: {e.InnerException.Message}",
                e.InnerException);
        }
        catch (ProviderFailure failure)
        {
            Exception e = failure.InnerException!;
            if (!options.AllowCpuFallback)
            {
                throw new ExecutionProviderUnavailableException(options.Provider, e.Message, e);
            }

            options.LoggerFactory?.CreateLogger(typeof(OnnxSessions)).FellBackToCpu(options.Provider, Path.GetFileName(graphPath), e.Message);
            providerInUse = ExecutionProvider.Cpu;
            return Create(graphPath, ExecutionProvider.Cpu, options);
        }
    }

    private static DirectSession Create(string graphPath, ExecutionProvider provider, QwenModelOptions options)
    {
        using var session = new SessionOptions();
        session.IntraOpNumThreads = options.EffectiveIntraOpThreads;

        if (!options.AllowThreadSpinning)
        {
            session.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        foreach ((string key, string value) in options.SessionConfigEntries ?? new Dictionary<string, string>())
        {
            session.AddSessionConfigEntry(key, value);
        }

        try
        {
            AppendProvider(session, provider, options.DeviceId);
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            // Appending fails only when the provider's library is missing or not built in.
            throw new ProviderFailure(e);
        }

        try
        {
            return DirectSession.Create(graphPath, session);
        }
        catch (OnnxRuntimeCallException e) when (provider != ExecutionProvider.Cpu && ProviderErrorSignatures.MeanUnavailable(e.Message))
        {
            throw new ProviderFailure(e);
        }
        catch (OnnxRuntimeCallException e)
        {
            // Any other failure is the graph's: the CPU would reject it too, so it is not a reason to fall back.
            throw new InvalidModelException(ModelFolderOf(graphPath), $"ONNX Runtime cannot load {Path.GetFileName(graphPath)}: {e.Message}", e);
        }
    }

    /// <summary>An onnx-community graph lives in the model's <c>onnx/</c> folder; errors name the model folder.</summary>
    private static string ModelFolderOf(string graphPath)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(graphPath))!;
        return Path.GetFileName(directory) == "onnx" ? Path.GetDirectoryName(directory)! : directory;
    }

    private static void AppendProvider(SessionOptions session, ExecutionProvider provider, int deviceId)
    {
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                session.AppendExecutionProvider_CUDA(deviceId);
                break;
            case ExecutionProvider.DirectML:
                // DirectML needs sequential execution without memory pattern optimisation.
                session.EnableMemoryPattern = false;
                session.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
                session.AppendExecutionProvider_DML(deviceId);
                break;
            default:
                break;
        }
    }

    /// <summary>Carries a provider error out of session creation to the fallback decision.</summary>
    private sealed class ProviderFailure(Exception inner) : Exception(inner.Message, inner);
}
