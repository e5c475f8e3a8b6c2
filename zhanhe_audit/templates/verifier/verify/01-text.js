// ---- text as Python sees it ----
const strip = (text) => text.replace(TRIM, '');
const isAscii = (text) => /^[\x00-\x7f]*$/.test(text);
/** Python's order of str: by code point (JavaScript's < compares UTF-16 units). */
function compare(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) { // a surrogate (a code point above U+FFFF) sorts after U+E000..U+FFFF
        x = x < 0xe000 ? x + 0x2000 : x - 0x800;
        y = y < 0xe000 ? y + 0x2000 : y - 0x800;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}
const compareTuples = (a, b) => {
  for (let i = 0; i < a.length; i++) {
    const c = compare(a[i], b[i]);
    if (c) return c;
  }
  return 0;
};
const sorted = (values) => [...values].sort(compare);
const joined = (values) => values.join(LIST_SEPARATOR);
const split = (text) => text.split(LIST_SEPARATOR).filter(Boolean);
const padded = (number) => String(number).padStart(4, '0');

/** json.dumps as the package writes it: indent 2 (or compact with sorted keys), ensure_ascii=False. */
function pyJson(value, indent, sortKeys, level = 0) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  const inner = indent ? '\n' + ' '.repeat(indent * (level + 1)) : '';
  const outer = indent ? '\n' + ' '.repeat(indent * level) : '';
  const colon = indent ? ': ' : ':';
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return '[' + value.map((v) => inner + pyJson(v, indent, sortKeys, level + 1)).join(',') + outer + ']';
  }
  let keys = Object.keys(value);
  if (sortKeys) keys = sorted(keys);
  if (!keys.length) return '{}';
  return '{' + keys.map((k) => inner + JSON.stringify(k) + colon + pyJson(value[k], indent, sortKeys, level + 1))
    .join(',') + outer + '}';
}
const recordJson = (value) => pyJson(value, 2, false) + '\n';

// ---- CSV, as Python's csv module reads (excel dialect) and writes it (minimal quoting, LF) ----
function parseCsv(text, delimiter = ',') {
  if (!text.includes('"')) { // no quoting: every line is a row
    const lines = text.split(/\r\n|\r|\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.map((line) => (line === '' ? [] : line.split(delimiter)));
  }
  const rows = [];
  let row = [];
  let field = '';
  let state = 0; // 0 start of record, 1 start of field, 2 in field, 3 in quotes, 4 a quote in quotes
  const end = (i) => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
    state = 0;
    return text[i] === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
  };
  for (let i = 0; i < text.length;) {
    const c = text[i];
    const newline = c === '\n' || c === '\r';
    if (state === 0) {
      if (newline) { rows.push([]); i = c === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1; continue; }
      state = 1;
    }
    if (state === 1) {
      if (newline) { i = end(i); continue; }
      if (c === '"') { state = 3; i++; continue; }
      if (c === delimiter) { row.push(field); field = ''; i++; continue; }
      state = 2;
    }
    if (state === 2) {
      if (newline) { i = end(i); continue; }
      if (c === delimiter) { row.push(field); field = ''; state = 1; } else { field += c; }
      i++;
    } else if (state === 3) {
      if (c === '"') state = 4; else field += c;
      i++;
    } else if (state === 4) {
      if (c === '"') { field += '"'; state = 3; i++; } else if (c === delimiter) {
        row.push(field); field = ''; state = 1; i++;
      } else if (newline) { i = end(i); } else { field += c; state = 2; i++; }
    }
  }
  if (state === 3) throw new Error('a quoted cell is not closed before the end of the file');
  if (state !== 0) { row.push(field); rows.push(row); }
  return rows;
}
const csvCell = (value) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
};
const csvLine = (values) => (values.length === 1 && (values[0] === '' || values[0] === null) ? '""'
  : values.map(csvCell).join(',')) + '\n';
const csvText = (header, rows) => csvLine(header) + rows.map(csvLine).join('');

/** An archive CSV as objects keyed by its header, which must be ``columns``. */
function archiveRows(text, columns, shown) {
  const rows = parseCsv(text);
  const header = rows.shift() || [];
  if (header.join(',') !== columns.join(',')) {
    throw new Problem(`${shown} 的表头 header is '${header.join(',')}', expected '${columns.join(',')}'`);
  }
  return rows.map((cells, index) => {
    if (cells.length !== columns.length) {
      throw new Problem(`${shown}, row ${index + 2}: expected ${columns.length} fields (${columns.join(', ')})`);
    }
    return Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
  });
}

class Problem extends Error {}

/** Where two texts first differ, as make verify words it: row (1 is the header), column, recomputed, archived. */
function firstDifference(shown, expected, found) {
  if (expected === found) return null;
  const a = expected.split('\n');
  const b = found.split('\n');
  const header = parseCsv(a[0] || '')[0] || [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === undefined || b[i] === undefined) {
      return `${shown}: 归档文件 the archived file has ${b.length - 1} rows, 重算 the recomputation ${a.length - 1}`;
    }
    const x = parseCsv(a[i])[0] || [];
    const y = parseCsv(b[i])[0] || [];
    const at = shown.endsWith('.csv') ? x.findIndex((cell, k) => cell !== y[k]) : -1;
    if (at >= 0 && x.length === y.length) {
      return `${shown} 第 ${i + 1} 行 row ${i + 1}, 列 column ${visible(header[at] || String(at + 1))}: ` +
        `重算 recomputed '${visible(x[at])}', 归档 archived '${visible(y[at])}'${hiddenDifference(x[at], y[at])}`;
    }
    return `${shown} 第 ${i + 1} 行 row ${i + 1}: 重算 recomputed '${visible(a[i])}', 归档 archived '${visible(b[i])}'` +
      hiddenDifference(a[i], b[i]);
  }
  return `${shown}: 行尾不同 the line ends differ`;
}

// ---- hidden characters (text.py: the same rule, and its names, put in when the page is built) ----
const HIDDEN_NAMES = /* @HIDDEN_NAMES@ */ null;
const FORMAT_OR_CONTROL = /^[\p{Cc}\p{Cf}]$/u;
/** Cc, Cf, or white space other than U+0020: a character that cannot be seen for what it is. */
const isHidden = (char) => FORMAT_OR_CONTROL.test(char) || (/^\s$/u.test(char) && char !== ' ');
const hexOf = (char) => char.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
/** Every hidden character as ⟨U+XXXX⟩ (report.reveal's notation). */
const visible = (text) => [...text].map((char) => (isHidden(char) ? `⟨U+${hexOf(char)}⟩` : char)).join('');
/** U+202E (RIGHT-TO-LEFT OVERRIDE) for a hidden character, U+0074 't' for one that shows. */
const codePoint = (char) => (isHidden(char) ? `U+${hexOf(char)} (${HIDDEN_NAMES[hexOf(char)] || 'invisible'})`
  : `U+${hexOf(char)} '${char}'`);
/** Where two texts first differ, by character (code points, 1-based), as text.first_difference words it. */
function textDifference(first, second, names = ['recomputed', 'archived']) {
  const a = [...first];
  const b = [...second];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `character ${i + 1}: ${names[0]} ${codePoint(a[i])}, ${names[1]} ${codePoint(b[i])}`;
  }
  if (a.length === b.length) return 'the texts are identical';
  const [name, shorter, longer] = a.length < b.length ? [names[1], a, b] : [names[0], b, a];
  const extra = longer.slice(shorter.length);
  return `${name} has ${extra.length} more character(s) after character ${shorter.length}: ` +
    extra.slice(0, 3).map(codePoint).join(', ') + (extra.length > 3 ? ', …' : '');
}
/** "; character 1: …" when two differing texts look alike or differ in a hidden character, else nothing. */
const hiddenDifference = (first, second) => ((visible(first) === visible(second) || [...first, ...second].some(isHidden))
  ? `; ${textDifference(first, second)}` : '');
