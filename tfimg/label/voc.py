"""Pascal VOC XML exactly as LabelImg writes it, and read safely.

LabelImg (`libs/pascal_voc_io.py`) writes `annotation` with an optional `verified="yes"`, then
`folder`, `filename`, `path`, `source/database` ("Unknown"), `size` (`width`, `height`,
`depth`), `segmented` (0) and one `object` per box: `name`, `pose` ("Unspecified"),
`truncated`, `difficult`, `bndbox` with integer `xmin`, `ymin`, `xmax`, `ymax`; indented with
one tab per level, no XML declaration, UTF-8, a final newline. `truncated` is 1 when the box
touches the image edge (LabelImg's rule: a corner at 1 or at the width/height).

Reading uses defusedxml: no DTDs, no entity expansion, no external entities. Boxes may hold
decimals (other tools write them); every number must be finite.

Plain Python.
"""

import os
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from tfimg.atomic import write_text
from tfimg.label.annotation import Annotation, Box, image_size, number


def _truncated(box, width, height):
    """LabelImg's rule, applied to the integer corners it writes."""
    xmin, ymin, xmax, ymax = (int(value) for value in box.corners)
    return ymax == int(height) or ymin == 1 or xmax == int(width) or xmin == 1


def voc_text(annotation):
    """The VOC XML of `annotation` as LabelImg writes it (corners rounded to integers)."""
    def element(level, tag, text):
        return "\t" * level + f"<{tag}>{escape(str(text))}</{tag}>\n"

    lines = ['<annotation verified="yes">\n' if annotation.verified else "<annotation>\n",
             element(1, "folder", annotation.folder), element(1, "filename", annotation.filename)]
    if annotation.path:
        lines.append(element(1, "path", annotation.path))
    lines += ["\t<source>\n", element(2, "database", "Unknown"), "\t</source>\n",
              "\t<size>\n", element(2, "width", annotation.width),
              element(2, "height", annotation.height), element(2, "depth", annotation.depth),
              "\t</size>\n", element(1, "segmented", 0)]
    for box in annotation.boxes:
        corners = [round(value) for value in box.corners]
        rounded = Box(box.name, *corners)
        lines += ["\t<object>\n", element(2, "name", box.name), element(2, "pose", box.pose),
                  element(2, "truncated", int(_truncated(rounded, annotation.width,
                                                         annotation.height))),
                  element(2, "difficult", int(bool(box.difficult))), "\t\t<bndbox>\n"]
        lines += [element(3, tag, value) for tag, value in zip(
            ("xmin", "ymin", "xmax", "ymax"), corners)]
        lines += ["\t\t</bndbox>\n", "\t</object>\n"]
    lines.append("</annotation>\n")
    return "".join(lines)


def write_voc(annotation, path):
    """Writes `annotation` to `path` (through a temporary file renamed into place)."""
    write_text(path, voc_text(annotation))


def _text(parent, tag, where, required=True, default=""):
    found = parent.find(tag)
    if found is None or found.text is None or not found.text.strip():
        if required:
            raise ValueError(f"{where}: missing <{tag}>")
        return default
    return found.text.strip()


def parse_voc(content, where="<string>"):
    """The Annotation of VOC XML `content` (bytes or str); `where` names it in errors.

    Raises:
        ValueError naming `where` and the field for unsafe XML (DTDs, entities), malformed
        XML, missing fields and numbers that are not finite.
    """
    try:
        root = ElementTree.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as error:
        raise ValueError(f"{where}: unsafe XML refused ({type(error).__name__}: {error})") \
            from None
    except ElementTree.ParseError as error:
        raise ValueError(f"{where}: not well-formed XML: {error}") from None
    if root.tag != "annotation":
        raise ValueError(f"{where}: expected <annotation> as the root, found <{root.tag}>")
    size = root.find("size")
    if size is None:
        raise ValueError(f"{where}: missing <size>")
    annotation = Annotation(
        filename=_text(root, "filename", where), folder=_text(root, "folder", where, False),
        path=_text(root, "path", where, False),
        width=image_size(_text(size, "width", where), where, "size/width"),
        height=image_size(_text(size, "height", where), where, "size/height"),
        depth=number(_text(size, "depth", where, False, "3"), where, "size/depth", True),
        verified=root.get("verified") == "yes")
    for i, item in enumerate(root.findall("object")):
        field = f"object {i + 1}"
        bndbox = item.find("bndbox")
        if bndbox is None:
            raise ValueError(f"{where}: {field}: missing <bndbox>")
        corners = [number(_text(bndbox, tag, f"{where}: {field}"), where,
                          f"{field} bndbox/{tag}") for tag in ("xmin", "ymin", "xmax", "ymax")]
        flags = [number(_text(item, tag, where, False, "0"), where, f"{field} {tag}", True)
                 for tag in ("difficult", "truncated")]
        annotation.boxes.append(Box(_text(item, "name", f"{where}: {field}"), *corners,
                                    difficult=bool(flags[0]), truncated=bool(flags[1]),
                                    pose=_text(item, "pose", where, False, "Unspecified")))
    return annotation


def read_voc(path):
    """The Annotation of the VOC file at `path` (see `parse_voc`)."""
    with open(path, "rb") as file:
        return parse_voc(file.read(), os.fspath(path))
