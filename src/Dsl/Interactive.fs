/// F# Interactive support: `fsi.AddPrinter Functional.Dsl.Interactive.printer` prints tensors as PyTorch does.
module Functional.Dsl.Interactive

open Functional

/// PyTorch's repr of a tensor, for `fsi.AddPrinter`.
let printer (t: Tensor) : string = t.ToString()
