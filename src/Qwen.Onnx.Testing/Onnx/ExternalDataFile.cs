using Onnx;

namespace Qwen.Onnx.Testing.Onnx;

/// <summary>
/// The external-data file beside a graph (<c>model.onnx_data</c>, GenAI's <c>model.onnx.data</c>): tensors are
/// appended at 64-byte aligned offsets and the tensor records its location, offset and length, as the ONNX
/// external-data convention (and ONNX Runtime's memory mapping of it) expects.
/// </summary>
internal sealed class ExternalDataFile : IDisposable
{
    private const int Alignment = 64;
    private readonly FileStream _stream;
    private readonly string _location;

    /// <param name="path">The data file; its name is what the tensors record, so it must sit beside the .onnx.</param>
    public ExternalDataFile(string path)
    {
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        _location = Path.GetFileName(path);
    }

    public void Write(TensorProto tensor, Action<Stream> write)
    {
        long padding = (Alignment - (_stream.Position % Alignment)) % Alignment;
        _stream.Write(new byte[padding]);
        long offset = _stream.Position;
        write(_stream);
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = _location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (_stream.Position - offset).ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public void Dispose() => _stream.Dispose();
}
