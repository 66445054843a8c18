"""Parse, render and find the numbers of Chinese report prose (the one shared number parser).

``parse_number`` reads a whole VALUE span text (ANNOTATION.md) into a number,
``format_number`` writes a number in a named surface style (the data generator's side)
and ``find_numbers`` scans running text for number substrings (a rule baseline's side).
Arithmetic is done in ``decimal.Decimal`` and converted once at the end, so a value is an
``int`` when integral and otherwise the float nearest the written decimal (no 0.1+0.2
artefacts).

The package keeps one concern per module: :mod:`data.numbers.chars` the character and word
tables, :mod:`data.numbers.parse` reading, :mod:`data.numbers.format` writing and
:mod:`data.numbers.find` finding numbers in running text.

>>> parse_number("1.39亿").value
139000000
>>> p = parse_number("500余万")
>>> p.value, p.approximate
(5000000, True)
>>> r = parse_number("两三")
>>> r.value, r.value_min, r.value_max
(2, 2, 3)
>>> format_number(256000, "mixed_qian")
'25万6千'
>>> [(s, e, p.value) for s, e, p in find_numbers("统一零售价为3000余元")]
[(6, 11, 3000)]
"""

from govreport.data.numbers.chars import NUMERAL_CHARS
from govreport.data.numbers.find import find_numbers
from govreport.data.numbers.format import STYLES, format_number
from govreport.data.numbers.parse import ParsedNumber, join_reader_spaces, parse_number

__all__ = ["ParsedNumber", "parse_number", "join_reader_spaces", "format_number", "STYLES", "find_numbers", "NUMERAL_CHARS"]
