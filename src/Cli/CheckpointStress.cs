using Functional.Io;

namespace Functional.Cli;

/// <summary>
/// The hidden <c>checkpoint-stress</c> command: saves a checkpoint-sized state dict to one path over and over, as
/// <c>train --save</c> does after each epoch, so a test can kill the process mid-write and check that the file on
/// disk is always a whole checkpoint (Note [Checkpoints Are Written Atomically] in Safetensors.cs).
/// </summary>
public static class CheckpointStress
{
    /// <summary>The elements of each Float32 tensor: two of them make an 8 MB file, about the seed network's.</summary>
    public const int Elements = 1 << 20;

    /// <summary>The state dict of save number <paramref name="i"/>: every element of every tensor is <paramref name="i"/>.</summary>
    public static Dictionary<string, Tensor> State(int i) => new()
    {
        ["layer.weight"] = Tensor.Full([Elements / 1024, 1024], i),
        ["layer.bias"] = Tensor.Full([Elements], i),
        ["step"] = Tensor.From([(long)i]),
    };

    /// <summary>Saves <see cref="State"/>(0), (1), ... to <paramref name="path"/> <paramref name="count"/> times, printing
    /// <c>writing i</c> before and <c>written i</c> after each save (flushed at once).</summary>
    public static void Run(string path, int count, TextWriter output)
    {
        for (int i = 0; i < count; i++)
        {
            var state = State(i);
            output.WriteLine($"writing {i}");
            output.Flush();
            Safetensors.Save(state, path);
            output.WriteLine($"written {i}");
            output.Flush();
        }
    }
}
