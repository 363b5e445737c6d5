// Reads a Python file from disk the way Python decodes it (PEP 263, PEP 3120): UTF-8 unless a
// coding declaration in the first two lines names another encoding; a UTF-8 byte order mark means
// UTF-8 and is dropped. A file declared `latin-1` read as UTF-8 turns every accented letter into
// U+FFFD, which changes string defaults, docstrings and operator names.
import { readFile } from 'node:fs/promises';

/** PEP 263's regular expression, applied to a comment line. */
const CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

export type DecodedPythonSource =
  | { readonly ok: true; readonly text: string; readonly encoding: string }
  | { readonly ok: false; readonly message: string; readonly line: number };

/**
 * The encoding a file declares, as Python finds it: on line 1, or on line 2 when line 1 is a
 * comment or blank; undefined when there is none.
 */
export function codingDeclaration(bytes: Uint8Array): { readonly name: string; readonly line: number } | undefined {
  // The declaration is ASCII by definition; decoding the first two lines as latin-1 keeps every byte.
  const head = Buffer.from(bytes.subarray(0, 2048)).toString('latin1');
  const lines = head.split(/\r\n|\r|\n/, 2);
  for (let line = 0; line < Math.min(lines.length, 2); line++) {
    const text = lines[line]!.replace(/^\ufeff|^\u00ef\u00bb\u00bf/, '');
    const match = CODING.exec(text);
    if (match) return { name: match[1]!, line };
    if (!/^[ \t\f]*(#.*)?$/.test(text)) return undefined; // code on line 1: line 2 is not looked at
  }
  return undefined;
}

/**
 * Python codec names (after normalization: lower case, `_` and spaces as `-`) that TextDecoder's
 * WHATWG labels lack or read differently; any other name is tried as a label as it is. Latin-1
 * is decoded byte for byte: the WHATWG label `latin1` means windows-1252, which differs from
 * ISO 8859-1 in 0x80-0x9F.
 */
const PYTHON_NAMES: Record<string, string> = {
  u8: 'utf-8',
  utf: 'utf-8',
  'utf8-sig': 'utf-8',
  cp65001: 'utf-8',
  latin1: 'latin1',
  l1: 'latin1',
  'iso8859-1': 'latin1',
  '8859': 'latin1',
  cp819: 'latin1',
  'latin-9': 'iso-8859-15',
  ascii: 'ascii',
  'us-ascii': 'ascii',
  '646': 'ascii',
  's-jis': 'shift_jis',
  eucjp: 'euc-jp',
  ujis: 'euc-jp',
  euckr: 'euc-kr',
  'big5-tw': 'big5',
  koi8r: 'koi8-r',
};

/** Decodes a Python file's bytes; a declaration naming an encoding Python would refuse is a problem, not a guess. */
export function decodePythonSource(bytes: Uint8Array): DecodedPythonSource {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const declared = codingDeclaration(bytes);
  const body = bom ? bytes.subarray(3) : bytes;
  if (!declared) return { ok: true, text: utf8(body), encoding: 'utf-8' };

  const normalized = declared.name.toLowerCase().replace(/[_ ]/g, '-');
  // Python's tokenizer reads "utf-8-..." and "latin-1-..." (e.g. utf-8-sig, latin-1-unix) as those.
  const base = /^utf-8(-|$)/.test(normalized)
    ? 'utf-8'
    : /^(latin-1|iso-8859-1|iso-latin-1)(-|$)/.test(normalized)
      ? 'latin1'
      : (PYTHON_NAMES[normalized] ?? normalized);
  if (bom && base !== 'utf-8') {
    return {
      ok: false,
      line: declared.line,
      message:
        `The file starts with a UTF-8 byte order mark but declares "coding: ${declared.name}" on line ${declared.line + 1}: ` +
        'Python refuses such a file. Remove the mark or declare utf-8.',
    };
  }
  if (base === 'utf-8') return { ok: true, text: utf8(body), encoding: 'utf-8' };
  if (base === 'latin1') return { ok: true, text: Buffer.from(body).toString('latin1'), encoding: 'iso-8859-1' };
  if (WINDOWS_1252.has(base)) return { ok: true, text: windows1252(body), encoding: 'windows-1252' };
  let decoder: TextDecoder | undefined;
  try {
    decoder = /^(utf-16|utf-32|utf16|utf32)/.test(base) ? undefined : new TextDecoder(base);
  } catch {
    decoder = undefined; // RangeError: not a label the runtime knows
  }
  if (!decoder) {
    return {
      ok: false,
      line: declared.line,
      message:
        `Cannot decode this file: its coding declaration on line ${declared.line + 1} names "${declared.name}", ` +
        'which is not an ASCII-compatible encoding the editor can decode. Its steps are not shown; ' +
        'declare utf-8 (or latin-1, cp1252, iso-8859-15...) to have them found.',
    };
  }
  return { ok: true, text: decoder.decode(body), encoding: decoder.encoding };
}

/**
 * The labels of windows-1252. Node's TextDecoder decodes them as latin-1 (0x80 becomes U+0080, not
 * the euro sign), so stepops maps 0x80-0x9F itself, as the WHATWG index does.
 */
const WINDOWS_1252 = new Set(['windows-1252', 'cp1252', 'x-cp1252']);
const WINDOWS_1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function windows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!));
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes); // invalid bytes become U+FFFD, as readFile(.., 'utf8') did
}

/** Reads and decodes a Python file; undefined when it cannot be read (missing, a folder, no permission). */
export async function readPythonSource(file: string): Promise<DecodedPythonSource | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  return bytes && decodePythonSource(bytes);
}
