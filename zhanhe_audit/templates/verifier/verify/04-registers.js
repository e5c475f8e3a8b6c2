// ---- registers, read as the package reads them ----
function decodeRegister(bytes) {
  const starts = (...sig) => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xfe, 0, 0) || starts(0, 0, 0xfe, 0xff)) {
    throw new Unsupported('UTF-32 文本，本页面无法读取 UTF-32 text, which this page cannot read; make verify reads it');
  }
  const decode = (encoding, from) => new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(from));
  if (starts(0xff, 0xfe)) return [decode('utf-16le', 2), true];
  if (starts(0xfe, 0xff)) return [decode('utf-16be', 2), true];
  if (starts(0xef, 0xbb, 0xbf)) return [decode('utf-8', 3), false];
  try { return [decode('utf-8', 0), false]; } catch (error) { return [decode('gb18030', 0), false]; }
}

/** The register's data rows as {row, cells} with canonical column names, or a Problem. */
/** ``values``: the params' names for the file's own values, column -> {as the export writes it: the register's}. */
function registerTable(bytes, register, headers, shown, values = {}) {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    throw new Unsupported(`${shown} 是 Excel 工作簿 (.xlsx) is an Excel workbook; 本页面只读 CSV this page reads CSV and tab-separated text only`);
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31) {
    throw new Unsupported(`${shown} 是 Parquet 文件 is a Parquet file; 本页面只读 CSV this page reads CSV and tab-separated text only`);
  }
  const [text, unicodeText] = decodeRegister(bytes);
  const headerLine = text.split(LINE_BREAKS).find((line) => strip(line)) || '';
  const delimiter = headerLine.includes('\t') && (!headerLine.includes(',') || unicodeText) ? '\t' : ',';
  let rows;
  try { rows = parseCsv(text, delimiter); } catch (error) { throw new Problem(`${shown}: ${error.message}`); }
  const filled = [];
  rows.forEach((cells, index) => {
    const clean = cells.map(strip);
    if (clean.some(Boolean)) filled.push({ row: index + 1, cells: clean });
  });
  if (!filled.length) throw new Problem(`${shown} 是空文件 is empty`);
  const header = filled.shift().cells;
  const mapping = Object.fromEntries(COLUMNS[register].map((c) => [c.toLowerCase(), c]));
  Object.assign(mapping, CHINESE_HEADERS[register], headers || {});
  const positions = {};
  header.forEach((title, position) => {
    const column = mapping[title] || mapping[title.toLowerCase()];
    if (COLUMNS[register].includes(column) && !(column in positions)) positions[column] = position;
  });
  const missing = COLUMNS[register].filter((c) => !(c in positions));
  if (missing.length) throw new Problem(`${shown}: 缺少列 missing column ${missing.join(', ')}`);
  const mapped = (column, cell) => (values[column] && Object.hasOwn(values[column], cell) ? values[column][cell] : cell);
  return filled.map(({ row, cells }) => ({
    row, cells: Object.fromEntries(COLUMNS[register].map((c) => [c, mapped(c, cells[positions[c]] || '')])),
  }));
}
class Unsupported extends Error {}

const nfkc = (text) => text.normalize('NFKC');
const normaliseTag = (raw) => nfkc(raw).replace(SPACES, '').toUpperCase();
const splitTags = (raw) => nfkc(raw).split(';').map(normaliseTag).filter(Boolean);
function gradeOf(raw, unclassified) {
  const text = strip(nfkc(raw));
  if (text in GRADE_LABELS) return GRADE_LABELS[text];
  const upper = text.toUpperCase();
  if (GRADES.includes(upper)) return upper;
  if (unclassified && ['', '未分类', 'unclassified'].includes(raw)) return unclassified;
  return null;
}
function usccValid(code) {
  if (!/^[0-9A-HJ-NP-RTUW-Y]{18}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(code[i]) * USCC_WEIGHTS[i];
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] === code[17];
}

/** The five registers as the draw used them; a row the package would have refused is a Problem. */
function readRegisters(tables, params) {
  const problem = (shown, row, column, what) => new Problem(`${shown} 第 ${row} 行 row ${row}, 列 column ${column}: ${what}`);
  const entities = [];
  const seen = new Map();
  for (const { row, cells } of tables.entities.rows) {
    const shown = tables.entities.shown;
    if (!usccValid(cells.uscc)) throw problem(shown, row, 'uscc', `'${cells.uscc}' 不是有效的统一社会信用代码 is not a valid USCC`);
    if (seen.has(cells.uscc)) throw problem(shown, row, 'uscc', `重复 repeats row ${seen.get(cells.uscc)}`);
    seen.set(cells.uscc, row);
    const grade = gradeOf(cells.grade, params.unclassified_grade);
    if (!grade) throw problem(shown, row, 'grade', `'${cells.grade}' 不是等级 is not a grade`);
    const status = isAscii(cells.status) ? cells.status.toLowerCase() : cells.status;
    if (!ACTIVE.has(status) && !INACTIVE.has(status)) throw problem(shown, row, 'status', `'${cells.status}' unknown`);
    if (!cells.name || !cells.unit) throw problem(shown, row, cells.name ? 'unit' : 'name', 'blank 空白');
    entities.push({ uscc: cells.uscc, grade, tags: new Set(splitTags(cells.tags)), unit: cells.unit, active: ACTIVE.has(status) });
  }
  const items = new Map();
  for (const { row, cells } of tables.items.rows) {
    if (!cells.item_id || !cells.department) throw problem(tables.items.shown, row, 'item_id', 'blank 空白');
    items.set(cells.item_id, { id: cells.item_id, department: cells.department, targets: new Set(splitTags(cells.target_tags)) });
  }
  const inspectors = new Map();
  for (const { row, cells } of tables.inspectors.rows) {
    const flag = cells.certified.toLowerCase();
    if (!cells.cert_no || (!TRUE_WORDS.has(flag) && !FALSE_WORDS.has(flag))) {
      throw problem(tables.inspectors.shown, row, cells.cert_no ? 'certified' : 'cert_no', `'${cells.certified}'`);
    }
    inspectors.set(cells.cert_no, { cert: cells.cert_no, name: cells.name, department: cells.department,
      unit: cells.unit, certified: TRUE_WORDS.has(flag) });
  }
  const conflicts = new Set(tables.conflicts.rows.map(({ cells }) => `${cells.cert_no}\n${cells.uscc}`));
  return { entities, items, inspectors, conflicts };
}
