"""One escape for every value from the data that reaches Streamlit's Markdown.

Titles, subheaders, captions, st.info/st.error messages and metric labels all render Markdown (and
Streamlit's own extensions: ``:red[…]``, ``:material/…:``, ``$…$``). A summary whose heading reads
``姓名：![](http://host/x.png)`` or a team called ``![](https:host)`` made every browser that showed
it fetch an outside address, each time HR opened it. Every document value, file name, filter value
and search term passes through ``md`` before it is put into such a string; fixed UI text does not.
"""
from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!$])")
"""What makes Markdown act: images and links need ``[``/``]``, HTML and autolinks ``<``, emphasis
``*``/``_``/``~``, code `` ` ``, tables ``|``, headings ``#``, Streamlit's colours ``:red[…]`` a
bracket, its maths ``$``. A backslash makes each literal (CommonMark); a file name's ``.`` and ``/``
stay as they are, so names read as typed."""
_LEADING = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")
"""A list item, a setext underline or a numbered item, where the value starts a line."""
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md(value: object) -> str:
    """``value`` as literal text inside Markdown: no image, link, HTML, emphasis, heading or colour."""
    text = _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", str(value)))
    return _LEADING.sub(lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)),
                        text)
