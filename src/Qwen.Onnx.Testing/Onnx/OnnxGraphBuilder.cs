using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Qwen.Onnx.Testing.Onnx;

/// <summary>A small writer of ONNX graphs: inputs, outputs, initializers and nodes with generated names.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private int _next;
    private bool _usesMicrosoftOps;

    public OnnxGraphBuilder(string name) => _graph = new GraphProto { Name = name };

    /// <summary>Where <see cref="Tensor"/> puts large tensors; <see langword="null"/> keeps them inside the graph.</summary>
    public ExternalDataFile? External { get; init; }

    public void Input(string name, TensorProto.Types.DataType type, params object[] dims) => _graph.Input.Add(ValueInfo(name, type, dims));

    public void Output(string name, TensorProto.Types.DataType type, params object[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    public string Floats(string name, ReadOnlySpan<float> data, params long[] dims) =>
        Initializer(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(data), dims);

    public string Longs(string name, ReadOnlySpan<long> data, params long[] dims) =>
        Initializer(name, TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(data), dims);

    /// <summary>
    /// Adds an initializer whose bytes a writer streams: to <see cref="External"/> when set (so multi-gigabyte weights
    /// never sit in managed memory), else into the graph.
    /// </summary>
    public string Tensor(string name, TensorProto.Types.DataType type, long[] dims, Action<Stream> write)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        if (External is { } file)
        {
            file.Write(tensor, write);
        }
        else
        {
            using var bytes = new MemoryStream();
            write(bytes);
            tensor.RawData = ByteString.CopyFrom(bytes.GetBuffer(), 0, (int)bytes.Length);
        }

        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a <c>com.microsoft</c> contrib node (MatMulNBits, ...) with one output.</summary>
    public string MicrosoftOp(string opType, string[] inputs, params (string Name, object Value)[] attributes)
    {
        _usesMicrosoftOps = true;
        string output = Fresh(opType);
        AddNode(opType, inputs, [output], attributes).Domain = "com.microsoft";
        return output;
    }

    public string Scalar(long value) => Longs(Fresh("c"), [value]);

    public string Scalar(float value) => Floats(Fresh("c"), [value]);

    public string Vector(params long[] values) => Longs(Fresh("c"), values, values.Length);

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Op(string opType, string[] inputs, params (string Name, object Value)[] attributes) =>
        OpMany(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node whose only output gets a chosen name (graph outputs).</summary>
    public string OpNamed(string output, string opType, string[] inputs, params (string Name, object Value)[] attributes)
    {
        AddNode(opType, inputs, [output], attributes);
        return output;
    }

    public string[] OpMany(string opType, string[] inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        string[] names = [.. Enumerable.Range(0, outputs).Select(_ => Fresh(opType))];
        AddNode(opType, inputs, names, attributes);
        return names;
    }

    public ModelProto ToModel(int opset = 17)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Qwen.Onnx.Testing",
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = opset } },
            Graph = _graph,
        };
        if (_usesMicrosoftOps)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        }

        return model;
    }

    private NodeProto AddNode(string opType, string[] inputs, string[] outputs, (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh(opType + "_node") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach ((string name, object value) in attributes)
        {
            node.Attribute.Add(Attribute(name, value));
        }

        _graph.Node.Add(node);
        return node;
    }

    private string Initializer(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return name;
    }

    private string Fresh(string stem) => $"{stem}_{_next++}";

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        long[] ints => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } },
        _ => throw new ArgumentException($"Unsupported attribute type {value.GetType()}"),
    };

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            shape.Dim.Add(d is string param
                ? new TensorShapeProto.Types.Dimension { DimParam = param }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
