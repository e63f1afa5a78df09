#!/usr/bin/python3
"""An independent safetensors reader/writer (struct + json only) to cross-check Functional.Io.Safetensors.

The `safetensors` Python package is not installed on the build machines, so this follows the format spec and the
reference implementation's writer (huggingface/safetensors, safetensors/src/tensor.rs):
  8-byte little-endian header length N; N bytes of compact JSON, `__metadata__` first, then the tensors ordered
  by dtype (descending in the Rust enum order ... F32 < F64 < I64 ...) and then by name (UTF-8 bytes), padded
  with spaces to a multiple of 8; then the tensors' little-endian bytes back to back in that order.

Usage:
  safetensors_check.py write PATH   writes the fixed state dict below (the test vector in IoTests.cs)
  safetensors_check.py read PATH    validates PATH and prints one line per tensor (sorted by name):
                                    name dtype shape values    then   __metadata__ {json}
"""
import json
import struct
import sys

DTYPE_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
               "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "C64"]
FORMATS = {"F32": ("f", 4), "F64": ("d", 8), "I64": ("q", 8)}

# name -> (dtype, shape, flat values)
STATE = {
    "fc.weight": ("F32", [2, 3], [0.5, -1.25, 2.0, 3.0e-8, -0.0, 1.0e20]),
    "fc.bias": ("F32", [2], [0.1, -0.2]),
    "bn.running_var": ("F64", [2, 2], [1.0, 2.5, -3.75, 1.0e-300]),
    "step": ("I64", [], [42]),
    "bn.num_batches_tracked": ("I64", [1], [-9007199254740993]),
    "empty": ("F32", [0, 3], []),
}
METADATA = {"format": "pt", "note": "a \"quoted\"\tvalue"}


def product(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def write(path, state, metadata):
    order = sorted(state.items(), key=lambda kv: (-DTYPE_ORDER.index(kv[1][0]), kv[0].encode("utf-8")))
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = dict(sorted(metadata.items(), key=lambda kv: kv[0].encode("utf-8")))
    for name, (dtype, shape, values) in order:
        fmt, size = FORMATS[dtype]
        assert len(values) == product(shape)
        blob = struct.pack("<%d%s" % (len(values), fmt), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n <= 100_000_000 and 8 + n <= len(data), "bad header length"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    body = data[8 + n:]
    expect = 0
    out = {}
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        assert begin == expect and end >= begin, "offsets of %s" % name
        fmt, size = FORMATS[info["dtype"]]
        count = product(info["shape"])
        assert end - begin == count * size, "length of %s" % name
        out[name] = (info["dtype"], info["shape"], list(struct.unpack("<%d%s" % (count, fmt), body[begin:end])))
        expect = end
    assert expect == len(body), "data section length"
    for name in sorted(out):
        dtype, shape, values = out[name]
        print(name, dtype, json.dumps(shape, separators=(",", ":")), json.dumps(values, separators=(",", ":")))
    if metadata is not None:
        print("__metadata__", json.dumps(metadata, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], STATE, METADATA)
    else:
        read(sys.argv[2])
