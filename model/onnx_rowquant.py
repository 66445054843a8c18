"""Per-row activation quantisation for int8 ONNX graphs, so a window's tags do not depend on its batch.

onnxruntime's dynamic int8 quantisation (``quantize_dynamic``) puts a
``DynamicQuantizeLinear`` before each quantised matrix multiplication: it picks *one*
scale and zero point from the minimum and maximum of the whole activation tensor, every
window of the batch and its padding included. A sentence therefore got other numbers,
and sometimes other tags, depending on its neighbours and on ``--batch-size``.

:func:`rowwise_quantization` rewrites each ``DynamicQuantizeLinear`` so that every batch
row (every window) takes its scale and zero point from its own activations only: the same
formula (range stretched to include 0, uint8, round half to even), reduced over all axes
but the first. ``MatMulInteger`` on CPU takes only a scalar zero point for its left
input, so the rewritten graph multiplies without it and subtracts the row's
``zero point × column sums of the weight`` afterwards, in exact int32 arithmetic.
Windows of one exact length then compute the same numbers in any batch
(:func:`model.tagging.predict` batches such graphs by exact length,
so no padding enters a row either). The rewritten graph carries
:data:`ROWWISE_KEY` in its metadata; serving reads it to know the graph is batch-safe.

>>> ROWWISE_KEY
'govreport.activation_quantization'

    python -m govreport.model.onnx_rowquant model/fast/model.onnx      # rewrite a graph in place
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from govreport.data.logs import setup_logging

logger = logging.getLogger(__name__)

__all__ = ["ROWWISE_KEY", "ROWWISE_VALUE", "rowwise_quantization", "rewrite_file", "main"]

# metadata key and value that mark a graph whose activation quantisation is per batch row
ROWWISE_KEY = "govreport.activation_quantization"
ROWWISE_VALUE = "per-row"


def rowwise_quantization(model):
    """``model`` (an ``onnx.ModelProto``) with every ``DynamicQuantizeLinear`` made per batch row, in place.

    Returns the model; a graph without ``DynamicQuantizeLinear`` comes back unchanged but marked.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    inferred = onnx.shape_inference.infer_shapes(model)
    ranks = {v.name: len(v.type.tensor_type.shape.dim)
             for v in (*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output)
             if v.type.tensor_type.HasField("shape")}

    def const(name: str, value) -> str:
        graph.initializer.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    new_nodes = []
    added = []  # the nodes that take the left zero points out of the products
    rewritten = 0
    for node in graph.node:
        if node.op_type != "DynamicQuantizeLinear":
            new_nodes.append(node)
            continue
        x = node.input[0]
        y, y_scale, y_zp = node.output
        rank = ranks.get(x, 3)
        p = f"{node.name}_rowwise"
        axes = list(range(1, rank))
        zero = const(f"{p}/zero", np.float32(0.0))
        qmax = const(f"{p}/qmax", np.float32(255.0))
        tiny = const(f"{p}/tiny", np.float32(np.finfo(np.float32).tiny))
        flat = const(f"{p}/flat", np.array([-1], dtype=np.int64))
        new_nodes += [
            helper.make_node("ReduceMin", [x], [f"{p}/rmin"], axes=axes, keepdims=1),
            helper.make_node("ReduceMax", [x], [f"{p}/rmax"], axes=axes, keepdims=1),
            # the range always includes 0, as DynamicQuantizeLinear's does
            helper.make_node("Min", [f"{p}/rmin", zero], [f"{p}/min"]),
            helper.make_node("Max", [f"{p}/rmax", zero], [f"{p}/max"]),
            helper.make_node("Sub", [f"{p}/max", f"{p}/min"], [f"{p}/range"]),
            helper.make_node("Div", [f"{p}/range", qmax], [f"{p}/scale0"]),
            # an all-zero row would divide by 0; any positive scale quantises it to zeros
            helper.make_node("Max", [f"{p}/scale0", tiny], [y_scale]),
            helper.make_node("Neg", [f"{p}/min"], [f"{p}/negmin"]),
            helper.make_node("Div", [f"{p}/negmin", y_scale], [f"{p}/zpf0"]),
            helper.make_node("Round", [f"{p}/zpf0"], [f"{p}/zpf1"]),
            helper.make_node("Clip", [f"{p}/zpf1", zero, qmax], [f"{p}/zpf"]),
            helper.make_node("Cast", [f"{p}/zpf"], [y_zp], to=TensorProto.UINT8),
            helper.make_node("Reshape", [y_scale, flat], [f"{p}/scale_1d"]),
            helper.make_node("Reshape", [y_zp, flat], [f"{p}/zp_1d"]),
            helper.make_node("QuantizeLinear", [x, f"{p}/scale_1d", f"{p}/zp_1d"], [y], axis=0),
        ]
        for user in consumers.get(y_zp, []):
            if user.op_type != "MatMulInteger":
                raise ValueError(f"cannot make {node.name} per-row: its zero point feeds a {user.op_type}")
            weight, weight_zp = user.input[1], (user.input[3] if len(user.input) > 3 else "")
            if weight not in inits:
                raise ValueError(f"cannot make {node.name} per-row: {user.name} multiplies by an activation")
            w = numpy_helper.to_array(inits[weight]).astype(np.int32)
            if weight_zp:
                w = w - numpy_helper.to_array(inits[weight_zp]).astype(np.int32)
            colsum = w.sum(axis=0)
            user.input[2] = ""  # the zero point is taken out after the product, row by row
            out = user.output[0]
            user.output[0] = f"{user.name}_rowwise/product"
            if f"{p}/zp_i32" not in {o for n in added for o in n.output}:
                added.append(helper.make_node("Cast", [y_zp], [f"{p}/zp_i32"], to=TensorProto.INT32))
            added += [
                helper.make_node("Mul", [f"{p}/zp_i32", const(f"{user.name}_rowwise/colsum", colsum.astype(np.int32))],
                                 [f"{user.name}_rowwise/offset"]),
                helper.make_node("Sub", [user.output[0], f"{user.name}_rowwise/offset"], [out]),
            ]
        rewritten += 1
    del graph.node[:]
    graph.node.extend(_topological([*new_nodes, *added], graph))
    _set_meta(model, ROWWISE_KEY, ROWWISE_VALUE)
    logger.info("made %d DynamicQuantizeLinear nodes per-row", rewritten)
    return model


def _topological(nodes, graph):
    """``nodes`` in an order where each comes after the producers of its inputs."""
    ready = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    pending, ordered = list(nodes), []
    while pending:
        rest = []
        for node in pending:
            if all(i in ready for i in node.input):
                ordered.append(node)
                ready.update(node.output)
            else:
                rest.append(node)
        if len(rest) == len(pending):
            raise ValueError(f"graph has a cycle or a missing input at {rest[0].name}")
        pending = rest
    return ordered


def _set_meta(model, key: str, value: str) -> None:
    for prop in model.metadata_props:
        if prop.key == key:
            prop.value = value
            return
    entry = model.metadata_props.add()
    entry.key, entry.value = key, value


def rewrite_file(path: str | Path, out: str | Path | None = None) -> Path:
    """Rewrite the graph at ``path`` (into ``out``, default in place) with per-row quantisation."""
    import onnx

    from govreport.data.atomic import atomic_write

    model = rowwise_quantization(onnx.load(str(path)))
    onnx.checker.check_model(model)
    out = Path(out or path)
    with atomic_write(out, binary=True) as f:
        f.write(model.SerializeToString())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govreport.model.onnx_rowquant", description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", help="an int8 model.onnx written by govreport export --onnx --quantize int8")
    parser.add_argument("--output", default=None, help="where to write the rewritten graph (default: in place)")
    args = parser.parse_args(argv)
    setup_logging(logging.INFO, "plain")
    print(rewrite_file(args.graph, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
