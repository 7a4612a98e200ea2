/**
 * XML tapes in a flat record layout, such as SEC Reg AB II asset-level data (ABS-EE exhibit EX-102): a root
 * element holding one element per loan (`<assets>` by default, the mapping's `xml.record`), each holding
 * leaf elements `<name>text</name>` that play the part of CSV columns. Every record becomes a row whose
 * columns are the union of the leaf names in order of first appearance (an absent element is an empty cell),
 * and the rows go through the same mapping, validation and quarantine as a CSV file.
 *
 * The reader is small and strict rather than general: no npm XML parser is installed, and this shape needs
 * none. It accepts an XML declaration, comments, processing instructions, namespace prefixes (dropped),
 * attributes (ignored), CDATA and the five predefined and numeric character references; it refuses a
 * DOCTYPE (no entity expansion), mismatched or unclosed tags, text outside leaf elements, elements nested
 * deeper than a record's leaves, and a leaf repeated within one record.
 */
import { readFile } from "node:fs/promises";
import { CsvTapeBuilder, resolveSource } from "./csv.ts";
import type { CsvReadOptions, TapeSource } from "./csv.ts";
import type { LoanTape } from "./schema.ts";
import { TapeValidationError } from "./validate.ts";

/** The record element of Reg AB II asset-level data. */
export const DEFAULT_XML_RECORD = "assets";

/** True for a path that names an XML file (by extension). */
export function isXmlPath(path: string): boolean {
  return /\.xml$/i.test(path);
}

/** A flat XML document as rows: the column names and one array of cells per record. */
export interface XmlRows {
  columns: string[];
  rows: string[][];
}

class XmlSyntaxError extends Error {}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeText(raw: string, at: number): string {
  return raw.replace(/&([^;]{1,10});/g, (_m, name: string) => {
    if (name in ENTITIES) return ENTITIES[name]!;
    const num = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (num) {
      const cp = num[1] !== undefined ? parseInt(num[1], 16) : Number(num[2]);
      if (cp <= 0x10ffff) return String.fromCodePoint(cp);
    }
    throw new XmlSyntaxError(`unknown character reference &${name}; near offset ${at}`);
  });
}

/** The local part of a possibly prefixed name (`ns1:assetNumber` → `assetNumber`). */
function localName(qname: string): string {
  const i = qname.indexOf(":");
  return i < 0 ? qname : qname.slice(i + 1);
}

/**
 * Parses flat XML text into rows. Records are the elements named `record` that are children of the root;
 * throws an `Error` with the offset on malformed XML, and reports a repeated leaf through `onDuplicate`.
 */
export function parseFlatXml(
  text: string,
  record: string = DEFAULT_XML_RECORD,
  onDuplicate: (row: number, name: string) => void = () => {},
): XmlRows {
  const columns: string[] = [];
  const index = new Map<string, number>();
  const records: Map<number, string>[] = [];
  // Stack of open element local names; depth 1 = root, 2 = record, 3 = leaf.
  const stack: string[] = [];
  let current: Map<number, string> | undefined;
  let leafText = "";
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const tagRe = /<\/?([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    const chunk = text.slice(pos, lt < 0 ? text.length : lt);
    if (chunk.trim() !== "") {
      if (stack.length !== 3) throw new XmlSyntaxError(`text outside a leaf element at offset ${pos}`);
      leafText += decodeText(chunk, pos);
    } else if (stack.length === 3) leafText += chunk;
    if (lt < 0) break;
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      if (end < 0) throw new XmlSyntaxError(`unclosed comment at offset ${lt}`);
      pos = end + 3;
      continue;
    }
    if (text.startsWith("<?", lt)) {
      const end = text.indexOf("?>", lt + 2);
      if (end < 0) throw new XmlSyntaxError(`unclosed processing instruction at offset ${lt}`);
      pos = end + 2;
      continue;
    }
    if (text.startsWith("<![CDATA[", lt)) {
      const end = text.indexOf("]]>", lt + 9);
      if (end < 0 || stack.length !== 3)
        throw new XmlSyntaxError(`CDATA outside a leaf element at offset ${lt}`);
      leafText += text.slice(lt + 9, end);
      pos = end + 3;
      continue;
    }
    if (text.startsWith("<!", lt))
      throw new XmlSyntaxError(`DOCTYPE and declarations are refused (offset ${lt})`);
    tagRe.lastIndex = lt;
    const m = tagRe.exec(text);
    if (!m) throw new XmlSyntaxError(`malformed tag at offset ${lt}`);
    pos = tagRe.lastIndex;
    const name = localName(m[1]!);
    const closing = text[lt + 1] === "/";
    const selfClosing = m[3] === "/";
    if (closing) {
      if (selfClosing || m[2]!.trim() !== "")
        throw new XmlSyntaxError(`malformed closing tag at offset ${lt}`);
      const open = stack.pop();
      if (open !== name) throw new XmlSyntaxError(`</${name}> closes <${open ?? "nothing"}> at offset ${lt}`);
      if (stack.length === 2 && current) endLeaf(name);
      if (stack.length === 1 && current) {
        records.push(current);
        current = undefined;
      }
      continue;
    }
    if (stack.length === 0 && records.length > 0)
      throw new XmlSyntaxError(`a second root element at offset ${lt}`);
    if (stack.length === 3)
      throw new XmlSyntaxError(`<${name}> nested inside the leaf <${stack[2]}> at offset ${lt}`);
    if (stack.length === 1 && name !== record) {
      // Other children of the root (a header block) are skipped whole.
      const close = skipElement(text, lt, m[0].length, selfClosing);
      pos = close;
      continue;
    }
    if (stack.length === 1) current = new Map();
    if (stack.length === 2) leafText = "";
    if (selfClosing) {
      if (stack.length === 2) endLeaf(name);
      else if (stack.length === 1) records.push(new Map());
      continue;
    }
    stack.push(name);
  }
  if (stack.length > 0) throw new XmlSyntaxError(`unclosed <${stack[stack.length - 1]}> at the end`);
  if (records.length === 0 && columns.length === 0 && !/<[A-Za-z_]/.test(text))
    throw new XmlSyntaxError("no root element");
  return {
    columns,
    rows: records.map((r) => columns.map((_c, i) => r.get(i) ?? "")),
  };

  function endLeaf(name: string): void {
    let i = index.get(name);
    if (i === undefined) {
      i = columns.length;
      columns.push(name);
      index.set(name, i);
    }
    if (current!.has(i)) onDuplicate(records.length + 1, name);
    else current!.set(i, leafText.trim());
    leafText = "";
  }
}

/** Offset just after the element that starts at `lt` (its open tag is `openLength` long). */
function skipElement(text: string, lt: number, openLength: number, selfClosing: boolean): number {
  if (selfClosing) return lt + openLength;
  const re = /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g;
  re.lastIndex = lt + openLength;
  let depth = 1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2] === undefined || m[3] === "/") continue;
    depth += m[1] === "/" ? -1 : 1;
    if (depth === 0) return re.lastIndex;
  }
  throw new XmlSyntaxError(`unclosed element at offset ${lt}`);
}

/**
 * Reads an XML tape (a file path or text) through `options.mapping` (its `xml.record` names the loan
 * element); throws a {@link TapeValidationError} with every problem, like the CSV reader.
 */
export async function readTapeXml(source: TapeSource, options: CsvReadOptions = {}): Promise<LoanTape> {
  const s = resolveSource(source);
  return parseTapeXml("text" in s ? s.text : await readFile(s.path, "utf8"), options);
}

/** Parses XML text into a validated tape (see {@link readTapeXml}). */
export function parseTapeXml(text: string, options: CsvReadOptions = {}): LoanTape {
  const duplicates: { row: number; name: string }[] = [];
  let parsed: XmlRows;
  try {
    parsed = parseFlatXml(text, options.mapping?.xml?.record ?? DEFAULT_XML_RECORD, (row, name) =>
      duplicates.push({ row, name }),
    );
  } catch (e) {
    if (!(e instanceof XmlSyntaxError)) throw e;
    throw new TapeValidationError([{ row: null, field: "xml", value: "", reason: e.message }]);
  }
  if (duplicates.length > 0) {
    throw new TapeValidationError(
      duplicates.map((d) => ({
        row: d.row,
        field: "xml",
        value: d.name,
        reason: "an element must appear once in a record",
      })),
    );
  }
  const b = new CsvTapeBuilder(options);
  if (parsed.columns.length === 0) {
    throw new TapeValidationError([
      {
        row: null,
        field: "xml",
        value: options.mapping?.xml?.record ?? DEFAULT_XML_RECORD,
        reason: "no record element with leaves in the file",
      },
    ]);
  }
  b.push(parsed.columns);
  for (const r of parsed.rows) b.push(r);
  return b.finish();
}
