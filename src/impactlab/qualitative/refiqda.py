"""REFI-QDA project exchange (.qdpx): a zip with ``project.qde`` (QDA-XML, namespace urn:QDA-XML:project:1.0)
and the plain texts under ``Sources/``, readable by ATLAS.ti, MAXQDA, NVivo, QualCoder and others.

Mapping: codes -> CodeBook/Codes/Code (nested by parent; definition as Description, colour as color);
coders -> Users/User (the coder id in the ``id`` attribute); documents -> Sources/TextSource with
``plainTextPath="internal://<guid>.txt"``; each coding -> a PlainTextSelection (startPosition and
endPosition in characters, end exclusive) holding one Coding with a CodeRef; coding and document memos ->
Notes/Note, referred to by NoteRef; stakeholder group -> the Text variable "stakeholder group".
Ids that are GUIDs are used as they are; other ids get a stable name-based GUID (uuid5), so importing an
export gives back the project with GUIDs as code and document ids.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from pydantic import ValidationError

from impactlab.errors import UserError
from impactlab.limits import check_text, check_zip
from impactlab.qualitative.codebook import Code, Codebook, Coding, CodingProject, SourceDocument

NS = "urn:QDA-XML:project:1.0"
GROUP_VARIABLE = "stakeholder group"
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
_IMPACTLAB = uuid.UUID("6f1b7c2e-3c55-4d0e-9a51-3f4b8f0d2a10")  # namespace for name-based GUIDs
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # zip member times: the same project gives the same bytes


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def guid(kind: str, identifier: str, scope: str = "") -> str:
    """The GUID for an object: the id itself if it is a GUID, else a stable uuid5 from kind, scope and id."""
    if _GUID.match(identifier):
        return identifier.strip("{}")
    return str(uuid.uuid5(_IMPACTLAB, f"{scope}\x00{kind}\x00{identifier}")).upper()


# ------------------------------------------------------------------------------------------ export
class _Writer:
    def __init__(self, project: CodingProject):
        self.project = project
        self.notes: list[tuple[str, str, str]] = []  # guid, name, text

    def id(self, kind: str, identifier: str) -> str:
        return guid(kind, identifier, self.project.name)

    def note(self, parent: ET.Element, key: str, name: str, text: str) -> None:
        note_guid = self.id("note", key)
        self.notes.append((note_guid, name, text))
        ET.SubElement(parent, _q("NoteRef"), targetGUID=note_guid)

    def root(self) -> ET.Element:
        project = self.project
        root = ET.Element(_q("Project"), name=project.name, origin="impactlab",
                          creationDateTime=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        coders = sorted({c.coder for c in project.codings})
        if coders:
            users = ET.SubElement(root, _q("Users"))
            for coder in coders:
                ET.SubElement(users, _q("User"), guid=self.id("user", coder), name=coder, id=coder)
        if project.codebook.codes:
            codes = ET.SubElement(ET.SubElement(root, _q("CodeBook")), _q("Codes"))
            self.codes(codes, None)
        if project.groups:
            variables = ET.SubElement(root, _q("Variables"))
            ET.SubElement(variables, _q("Variable"), guid=self.id("variable", GROUP_VARIABLE), name=GROUP_VARIABLE,
                          typeOfVariable="Text")
        if project.documents:
            sources = ET.SubElement(root, _q("Sources"))
            for document in project.documents:
                self.source(sources, document)
        if self.notes:
            notes = ET.SubElement(root, _q("Notes"))
            for note_guid, name, text in self.notes:
                note = ET.SubElement(notes, _q("Note"), guid=note_guid, name=name)
                ET.SubElement(note, _q("PlainTextContent")).text = text
        return root

    def codes(self, parent: ET.Element, parent_id: str | None) -> None:
        for code in self.project.codebook.children(parent_id):
            attributes = {"guid": self.id("code", code.id), "name": code.name, "isCodable": "true"}
            if code.colour:
                attributes["color"] = code.colour.upper()
            element = ET.SubElement(parent, _q("Code"), attributes)
            if code.definition:
                ET.SubElement(element, _q("Description")).text = code.definition
            self.codes(element, code.id)

    def source(self, sources: ET.Element, document: SourceDocument) -> None:
        source_guid = self.id("document", document.id)
        element = ET.SubElement(sources, _q("TextSource"), guid=source_guid, name=document.name,
                                plainTextPath=f"internal://{source_guid}.txt")
        for n, coding in enumerate(c for c in self.project.codings if c.document == document.id):
            key = f"{document.id}\x00{n}\x00{coding.start}\x00{coding.end}\x00{coding.code}\x00{coding.coder}"
            user = self.id("user", coding.coder)
            selection = ET.SubElement(element, _q("PlainTextSelection"), guid=self.id("selection", key),
                                      name=document.text[coding.start:coding.end][:60],
                                      startPosition=str(coding.start), endPosition=str(coding.end),
                                      creatingUser=user)
            coding_element = ET.SubElement(selection, _q("Coding"), guid=self.id("coding", key), creatingUser=user)
            ET.SubElement(coding_element, _q("CodeRef"), targetGUID=self.id("code", coding.code))
            if coding.memo:
                self.note(coding_element, f"coding memo\x00{key}", f"memo {coding.coder}", coding.memo)
        if document.memo:
            self.note(element, f"document memo\x00{document.id}", f"memo {document.name}", document.memo)
        if document.group is not None:
            value = ET.SubElement(element, _q("VariableValue"))
            ET.SubElement(value, _q("VariableRef"), targetGUID=self.id("variable", GROUP_VARIABLE))
            ET.SubElement(value, _q("TextValue")).text = document.group


def project_xml(project: CodingProject) -> bytes:
    """The project.qde document of a project (UTF-8 XML with declaration)."""
    ET.register_namespace("", NS)
    root = _Writer(project).root()
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def export_qdpx(project: CodingProject, path: str | Path) -> Path:
    """Write `project` as a REFI-QDA .qdpx file (written to a temporary name, then renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo("project.qde", _FIXED_TIME), project_xml(project), zipfile.ZIP_DEFLATED)
            for document in project.documents:
                name = f"Sources/{guid('document', document.id, project.name)}.txt"
                archive.writestr(zipfile.ZipInfo(name, _FIXED_TIME), document.text.encode("utf-8"),
                                 zipfile.ZIP_DEFLATED)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# ------------------------------------------------------------------------------------------ import
class _Reader:
    def __init__(self, path: Path, archive: zipfile.ZipFile, root: ET.Element):
        self.path, self.archive, self.root = path, archive, root
        self.users = {u.get("guid", ""): u.get("id") or u.get("name") or u.get("guid", "")
                      for u in root.iter(_q("User"))}
        self.notes = {n.get("guid", ""): (n.findtext(_q("PlainTextContent")) or n.findtext(_q("Description")) or "")
                      for n in root.iter(_q("Note"))}
        self.group_variables = {v.get("guid") for v in root.iter(_q("Variable"))
                                if (v.get("name") or "").strip().lower() == GROUP_VARIABLE}

    def fail(self, message: str) -> UserError:
        return UserError(f"{self.path}: {message}")

    def codes(self, parent: ET.Element | None, parent_id: str | None) -> Iterator[Code]:
        for element in parent.findall(_q("Code")) if parent is not None else []:
            code_id = element.get("guid", "").strip("{}")
            colour = element.get("color")
            if colour and re.fullmatch(r"#[0-9A-Fa-f]{3}", colour):
                colour = "#" + "".join(ch * 2 for ch in colour[1:])
            yield Code(id=code_id, name=element.get("name") or code_id, parent=parent_id,
                       definition=element.findtext(_q("Description")) or "", colour=colour)
            yield from self.codes(element, code_id)

    def text(self, source: ET.Element) -> str:
        content = source.find(_q("PlainTextContent"))
        if content is not None:
            return check_text(f"{self.path}: {source.get('name')}", content.text or "")
        location = source.get("plainTextPath", "")
        if not location.startswith("internal://"):
            raise self.fail(f"source '{source.get('name')}': only texts inside the .qdpx (internal://) can be read, "
                            f"not {location!r}")
        member = "Sources/" + location.removeprefix("internal://")
        try:
            text = self.archive.read(member).decode("utf-8-sig").replace("\r\n", "\n")
            return check_text(f"{self.path}: {member}", text)
        except KeyError:
            raise self.fail(f"source '{source.get('name')}': {member} is missing from the archive") from None
        except UnicodeDecodeError:
            raise self.fail(f"{member} is not UTF-8 text") from None

    def memo(self, element: ET.Element) -> str | None:
        texts = [self.notes.get(ref.get("targetGUID", ""), "") for ref in element.findall(_q("NoteRef"))]
        return "\n\n".join(t for t in texts if t) or None

    def document(self, source: ET.Element) -> tuple[SourceDocument, list[Coding]]:
        doc_id = source.get("guid", "").strip("{}")
        text = self.text(source)
        group = None
        for value in source.findall(_q("VariableValue")):
            ref = value.find(_q("VariableRef"))
            if ref is not None and ref.get("targetGUID") in self.group_variables:
                group = value.findtext(_q("TextValue"))
        document = SourceDocument(id=doc_id, name=source.get("name") or doc_id, text=text, group=group,
                                  memo=self.memo(source))
        codings = []
        for selection in source.findall(_q("PlainTextSelection")):
            start, end = int(selection.get("startPosition", "0")), int(selection.get("endPosition", "0"))
            for coding in selection.findall(_q("Coding")):
                codings.append(self.coding(doc_id, start, end, coding, selection))
        for coding in source.findall(_q("Coding")):  # coding of the whole document
            codings.append(self.coding(doc_id, 0, len(text), coding, source))
        return document, codings

    def coding(self, doc_id: str, start: int, end: int, coding: ET.Element, selection: ET.Element) -> Coding:
        ref = coding.find(_q("CodeRef"))
        if ref is None:
            raise self.fail(f"coding {coding.get('guid')} has no CodeRef")
        user = coding.get("creatingUser") or selection.get("creatingUser") or ""
        memo = self.memo(coding) or self.memo(selection) or selection.findtext(_q("Description"))
        return Coding(document=doc_id, start=start, end=end, code=ref.get("targetGUID", "").strip("{}"),
                      coder=self.users.get(user, user) or "unknown", memo=memo or None)

    def project(self) -> CodingProject:
        book = self.root.find(_q("CodeBook"))
        codes = list(self.codes(book.find(_q("Codes")) if book is not None else None, None))
        documents, codings = [], []
        for source in self.root.findall(f"{_q('Sources')}/{_q('TextSource')}"):
            document, found = self.document(source)
            documents.append(document)
            codings += found
        return CodingProject(name=self.root.get("name") or self.path.stem, codebook=Codebook(codes=codes),
                             documents=documents, codings=codings)


def import_qdpx(path: str | Path) -> CodingProject:
    """Read the text sources, codebook, coders, codings and memos of a .qdpx file (other source kinds, such
    as PDF, picture, audio and video sources, are skipped). Problems raise UserError naming the file.
    """
    path = Path(path)
    try:
        if path.is_file():  # members, declared and actual sizes within the limits before any XML is parsed
            check_zip(path, str(path), parse=["project.qde"], damaged="{name}: not a .qdpx file (not a zip archive, "
                      "or damaged)")
        with zipfile.ZipFile(path) as archive:
            try:
                root = SafeET.fromstring(archive.read("project.qde"))
            except KeyError:
                raise UserError(f"{path}: project.qde is missing; this is not a REFI-QDA project") from None
            except ET.ParseError as error:
                raise UserError(f"{path}: project.qde is not well-formed XML ({error})") from None
            except DefusedXmlException as error:
                raise UserError(f"{path}: project.qde uses XML features that are not allowed "
                                f"({type(error).__name__})") from None
            if root.tag != _q("Project"):
                raise UserError(f"{path}: project.qde is not a QDA-XML project (root element {root.tag})")
            return _Reader(path, archive, root).project()
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except zipfile.BadZipFile:
        raise UserError(f"{path}: not a .qdpx file (not a zip archive, or damaged)") from None
    except ValidationError as error:
        raise UserError([f"{path}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()]) from None
    except ValueError as error:
        raise UserError(f"{path}: invalid position or value ({error})") from None
