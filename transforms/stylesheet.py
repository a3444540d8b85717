"""XSLT stylesheets that turn a source's own XML layout into the unified XML form.

Stylesheets live in ``transforms/xslt/`` and are XSLT 1.0 run by libxslt through lxml. They are
compiled once when the mapping catalogue loads (a broken stylesheet stops start-up, not a
message) and run with `XSLTAccessControl.DENY_ALL`: no file reads or writes, no directory
creation and no network, so ``document()``, ``xsl:include`` at run time and ``exsl:document``
cannot reach outside the document being transformed.

A stylesheet rejects input it cannot map with ``<xsl:message terminate="yes">``; the message
text becomes the `xslt.failed` error sent back to the source.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from transforms.safe_xml import hardened_parser
from transforms.transform_errors import MappingFileError, TransformError

STYLESHEET_DIRECTORY = Path(__file__).with_name("xslt")


def load_stylesheet(path: Path) -> etree.XSLT:
    """Compile a stylesheet file with file and network access denied.

    Raises MappingFileError naming the file when it cannot be read, parsed or compiled.
    """
    try:
        document = etree.parse(str(path), hardened_parser())
    except (OSError, etree.XMLSyntaxError) as e:
        raise MappingFileError(str(path), "", f"cannot read stylesheet: {e}") from e
    try:
        return etree.XSLT(document, access_control=etree.XSLTAccessControl.DENY_ALL)
    except etree.XSLTParseError as e:
        raise MappingFileError(
            str(path), "", f"not a valid XSLT 1.0 stylesheet: {e}"
        ) from e


def apply_stylesheet(
    stylesheet: etree.XSLT, root: etree._Element, name: str
) -> etree._Element:
    """Run `stylesheet` on `root` and return the root of its output.

    `name` (the stylesheet's file name) goes into error messages. A stylesheet that terminates,
    tries to reach a file or the network, or outputs no element raises `xslt.failed`.
    """
    try:
        result = stylesheet(root)
    except etree.XSLTApplyError as e:
        reasons = "; ".join(entry.message for entry in stylesheet.error_log) or str(e)
        raise TransformError("xslt.failed", f"{name}: {reasons}") from e
    output = result.getroot()
    if output is None:
        raise TransformError("xslt.failed", f"{name} produced no XML element")
    return output
