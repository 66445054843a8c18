"""What a shipped model folder holds, by name: constants every stage reads, with no imports.

Both the exporter (:mod:`model.export`) and the ONNX server (:mod:`model.onnx_serving`)
need these names, as does the tagger in ``inference``; keeping them here, in a module
that imports nothing, lets each of those import them without importing each other.

>>> ONNX_FILE, SERVING_KEY
('model.onnx', 'serving_quantization')
"""

# Non-weight files copied as they are, when present.
EXPORTED_FILES = ("README.md", "train_results.json")
# The config.json key that tells the tagger how to serve the model on CPU, and its values.
SERVING_KEY = "serving_quantization"
QUANTIZATIONS = ("none", "int8")
# The config.json key that holds a model's learned label transitions (model.crf, --head crf), if it has any.
CRF_KEY = "crf"
# The ONNX graph's file name in a model folder; the tagger serves it when present.
ONNX_FILE = "model.onnx"
