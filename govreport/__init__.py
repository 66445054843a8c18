"""govreport: Chinese government reports into statistics tables.

One import name for the whole tool. The pipeline's stages keep their folders at the top of a
checkout, where a reader sees them in the order data flows (``data/ model/ train/ inference/
eval/``), but they are imported as ``govreport.data``, ``govreport.model``, … so an installed
govreport claims no other top-level names (docs/architecture.md, "Import names"):

- an installed wheel holds them inside this package (pyproject.toml maps each folder to its
  ``govreport.<stage>`` name);
- in a checkout, run with or without ``pip install -e``, they sit beside this folder, so the
  checkout's root joins the package's search path. A folder counts as a checkout when it has the
  project's pyproject.toml.

The command line is :mod:`govreport.cli` (``govreport`` once installed, ``python -m govreport`` in
a checkout).

>>> import govreport.data.schema
>>> govreport.data.schema.ENTITY_TYPES
('METRIC', 'VALUE', 'UNIT')
"""

from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "data" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))
