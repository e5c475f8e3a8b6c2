/* zhanhe-audit: the reviewer's verifier page (draw protocol v1).

A third implementation of the draw, beside the Python package and verify-task.sh, written
from docs/draw-protocol.md: it reads an archive folder the reviewer chooses, hashes with the
browser's own SHA-256 (WebCrypto), and recomputes the tickets, ranks, quotas, selection and
batches, the eligibility from the archived registers and params, the visits and their
inspectors, and the replacement records. It fetches nothing and writes nothing; every text it
shows goes through textContent. */
'use strict';
(() => {
  // ---- the protocol's constants (docs/draw-protocol.md, and the README's "Registers") ----
  const PROTOCOL = 'draw-v1';
  const GRADES = ['A', 'B', 'C', 'D'];
  const FLOORS = { A: '1', B: '3', C: '10', D: '20' }; // Zhanhe plan, section 3.3
  const REGISTERS = ['entities', 'items', 'inspectors', 'conflicts', 'tags'];
  const COLUMNS = {
    entities: ['uscc', 'name', 'grade', 'tags', 'unit', 'status', 'established'],
    items: ['item_id', 'name', 'department', 'legal_basis', 'target_tags', 'kind'],
    inspectors: ['cert_no', 'name', 'department', 'unit', 'certified'],
    conflicts: ['cert_no', 'uscc', 'reason'],
    tags: ['code', 'name'],
  };
  const CHINESE_HEADERS = {
    entities: { 统一社会信用代码: 'uscc', 主体名称: 'name', 企业名称: 'name', 名称: 'name', 信用风险等级: 'grade',
      风险等级: 'grade', 信用风险分类: 'grade', 分类标注: 'tags', 标签: 'tags', 所属单位: 'unit', 管辖单位: 'unit',
      登记状态: 'status', 经营状态: 'status', 成立日期: 'established' },
    items: { 事项编号: 'item_id', 抽查事项编号: 'item_id', 事项名称: 'name', 抽查事项名称: 'name', 责任部门: 'department',
      实施部门: 'department', 检查依据: 'legal_basis', 法律依据: 'legal_basis', 检查对象范围: 'target_tags',
      适用对象标签: 'target_tags', 事项类别: 'kind', 事项类型: 'kind' },
    inspectors: { 执法证号: 'cert_no', 执法证件号: 'cert_no', 姓名: 'name', 所属部门: 'department', 所属单位: 'unit',
      是否持证: 'certified' },
    conflicts: { 执法证号: 'cert_no', 执法证件号: 'cert_no', 统一社会信用代码: 'uscc', 回避原因: 'reason' },
    tags: { 代码: 'code', 标签代码: 'code', 名称: 'name', 标签名称: 'name' },
  };
  const GRADE_LABELS = { 低风险: 'A', 中风险: 'B', 中高风险: 'C', 高风险: 'D' };
  const ACTIVE = new Set(['active', '存续', '在业', '在营', '开业', '正常']);
  const INACTIVE = new Set(['inactive', 'deregistered', 'revoked', 'moved_out', 'closed', '注销', '吊销', '迁出', '撤销',
    '停业', '歇业', '清算']);
  const TRUE_WORDS = new Set(['是', 'yes', 'y', 'true', '1', '持证']);
  const FALSE_WORDS = new Set(['否', 'no', 'n', 'false', '0', '未持证']);
  const ALL_ENTITIES = '*';
  const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const RECORD_NAME = /^(\d{4,})-([a-z]+)$/;
  const QUARTER = /^(demo-)?(\d{4})Q[1-4]$/;
  // What Python's str.strip() and the \s of its re module take for white space (29 characters).
  const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
  const TRIM = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
  const SPACES = new RegExp(`[${SPACE}]+`, 'g');
  const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/; // what Python's str.splitlines() splits at

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
  const joined = (values) => values.join(';');
  const split = (text) => text.split(';').filter(Boolean);
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
        return `${shown} 第 ${i + 1} 行 row ${i + 1}, 列 column ${header[at] || at + 1}: 重算 recomputed '${x[at]}', ` +
          `归档 archived '${y[at]}'`;
      }
      return `${shown} 第 ${i + 1} 行 row ${i + 1}: 重算 recomputed '${a[i]}', 归档 archived '${b[i]}'`;
    }
    return `${shown}: 行尾不同 the line ends differ`;
  }

  // ---- SHA-256 by WebCrypto ----
  const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
  const hex = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += HEX[bytes[i]];
    return text;
  };
  const encoder = new TextEncoder();
  const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes));
  const CHUNK = 4096;
  /** H(m) of every message, in batches (Promise.all), reporting progress. */
  async function hashAll(messages, progress) {
    const out = new Array(messages.length);
    for (let start = 0; start < messages.length; start += CHUNK) {
      const part = messages.slice(start, start + CHUNK);
      const digests = await Promise.all(part.map((m) => crypto.subtle.digest('SHA-256', encoder.encode(m))));
      for (let i = 0; i < digests.length; i++) out[start + i] = hex(digests[i]);
      if (progress) progress(Math.min(start + CHUNK, messages.length) / messages.length);
    }
    return out;
  }

  // ---- the folder the reviewer chose ----
  class Folder {
    constructor(files) { this.files = files; } // path (relative to the archive) -> File
    has(path) { return this.files.has(path); }
    async bytes(path) {
      const file = this.files.get(path);
      if (!file) throw new Problem(`${path} 缺失 is missing`);
      return new Uint8Array(await file.arrayBuffer());
    }
    async text(path) {
      try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await this.bytes(path));
      } catch (error) {
        if (error instanceof Problem) throw error;
        throw new Problem(`${path} 不是 UTF-8 文本 is not UTF-8 text`);
      }
    }
    async json(path) {
      try { return JSON.parse(await this.text(path)); } catch (error) {
        if (error instanceof Problem) throw error;
        throw new Problem(`${path} 不是有效的 JSON is not valid JSON: ${error.message}`);
      }
    }
  }

  /** The archives in the chosen files: every folder holding manifest.json and draw/draw.json. */
  function findArchives(entries) {
    const prefixes = [];
    for (const path of entries.keys()) {
      if (path.endsWith('draw/draw.json')) {
        const prefix = path.slice(0, -'draw/draw.json'.length);
        if (entries.has(prefix + 'manifest.json')) prefixes.push(prefix);
      }
    }
    return sorted(prefixes).map((prefix) => {
      const files = new Map();
      for (const [path, file] of entries) if (path.startsWith(prefix)) files.set(path.slice(prefix.length), file);
      const name = prefix.replace(/\/$/, '').split('/').pop();
      return { prefix, name, folder: new Folder(files) };
    });
  }

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
  function registerTable(bytes, register, headers, shown) {
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
    return filled.map(({ row, cells }) => ({
      row, cells: Object.fromEntries(COLUMNS[register].map((c) => [c, cells[positions[c]] || ''])),
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

  // ---- params, read as PyYAML reads them ----
  let yamlSchema = null;
  function loadYaml(text, shown) {
    if (!yamlSchema) {
      // YAML 1.1 booleans (PyYAML): yes/no/on/off besides true/false
      const bool = new window.jsyaml.Type('tag:yaml.org,2002:bool', {
        kind: 'scalar',
        resolve: (d) => /^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(d),
        construct: (d) => /^(yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(d),
        predicate: (v) => typeof v === 'boolean',
      });
      yamlSchema = window.jsyaml.CORE_SCHEMA.extend({ implicit: [bool] });
    }
    try {
      return window.jsyaml.load(text, { schema: yamlSchema });
    } catch (error) {
      throw new Problem(`${shown} 不是有效的 YAML is not valid YAML: ${error.message}`);
    }
  }

  const pyStr = (value) => (typeof value === 'string' ? value : String(value));
  const wholeOr = (value, fallback) => (Number.isInteger(value) ? value : fallback);

  /** What the package takes from the params: exact percentages as text, tasks, exclusions, rules. */
  function readParams(data) {
    const percent = { ...FLOORS };
    for (const [grade, value] of Object.entries(data.percent || {})) percent[grade] = strip(pyStr(value));
    const tasks = (data.tasks || []).map((task) => ({
      id: task.id,
      items: task.items,
      grades: GRADES.filter((g) => (task.grades || GRADES).includes(g)),
      batches: Number.isInteger(task.batches) ? task.batches : null,
    }));
    const inspection = data.inspection || {};
    const frequency = data.frequency || {};
    return {
      quarter: data.quarter,
      demo: data.demo === true,
      seed: data.seed && typeof data.seed.value === 'string' ? strip(data.seed.value.normalize('NFC')) : null,
      provenance: (data.seed && data.seed.provenance) || {},
      percent,
      justification: Object.fromEntries(Object.entries(data.justification || {}).map(([g, t]) => [g, strip(pyStr(t))])),
      tasks,
      exclusions: (data.exclusions || []).map((e) => ({ uscc: e.uscc, reason: strip(e.reason), tasks: e.tasks || [] })),
      inspection: {
        per_department: wholeOr(inspection.per_department, 2),
        cross_unit: typeof inspection.cross_unit === 'boolean' ? inspection.cross_unit : true,
        workload_slack: wholeOr(inspection.workload_slack, 1),
      },
      frequency: {
        per_item_per_year: wholeOr(frequency.per_item_per_year, null),
        per_year: wholeOr(frequency.per_year, null),
      },
      headers: data.headers || {},
      unclassified_grade: data.unclassified_grade || null,
    };
  }

  /** An exact decimal percentage as a fraction of BigInts (never a float). */
  function fraction(text) {
    const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
    if (!match) throw new Problem(`'${text}' 不是百分比 is not a percentage`);
    const decimals = match[2] || '';
    return [BigInt(match[1] + decimals), 10n ** BigInt(decimals.length)];
  }
  /** Protocol v1, "Quota per grade": ceil(N * p / 100), exactly. */
  function quota(eligible, percentText) {
    const [numerator, denominator] = fraction(percentText);
    const top = BigInt(eligible) * numerator;
    const bottom = 100n * denominator;
    return Number((top + bottom - 1n) / bottom);
  }
  const belowFloor = (percentText, grade) => {
    const [a, b] = fraction(percentText);
    const [c, d] = fraction(FLOORS[grade]);
    return a * d < c * b;
  };

  // ---- eligibility (protocol v1, "Eligibility"), from the registers, params and history ----
  function historyOf(rows) {
    const perYear = new Map();
    const perItem = new Map();
    const last = new Map();
    for (const visit of rows) {
      const year = Number(QUARTER.exec(visit.quarter)[2]);
      perYear.set(`${visit.uscc}\n${year}`, (perYear.get(`${visit.uscc}\n${year}`) || 0) + 1);
      for (const item of split(visit.items)) {
        const key = `${visit.uscc}\n${item}\n${year}`;
        perItem.set(key, (perItem.get(key) || 0) + 1);
      }
      last.set(visit.uscc, split(visit.inspectors));
    }
    return {
      visits: (uscc, year) => perYear.get(`${uscc}\n${year}`) || 0,
      itemVisits: (uscc, item, year) => perItem.get(`${uscc}\n${item}\n${year}`) || 0,
      last: (uscc) => last.get(uscc) || [],
    };
  }

  function qualifyingTags(entity, item) {
    if (item.targets.has(ALL_ENTITIES)) return entity.tags.size ? [...entity.tags] : [ALL_ENTITIES];
    return [...entity.tags].filter((tag) => item.targets.has(tag));
  }

  function eligibility(task, registers, params, history, year) {
    const items = task.items.map((id) => {
      if (!registers.items.has(id)) throw new Problem(`task ${task.id}: 事项 item ${id} 不在事项清单 is not in the items register`);
      return registers.items.get(id);
    });
    const stated = new Map();
    for (const e of params.exclusions) if (!e.tasks.length || e.tasks.includes(task.id)) stated.set(e.uscc, e.reason);
    const { per_year: perYear, per_item_per_year: perItem } = params.frequency;
    const population = Object.fromEntries(task.grades.map((g) => [g, []]));
    const active = Object.fromEntries(task.grades.map((g) => [g, 0]));
    const inScope = Object.fromEntries(task.grades.map((g) => [g, 0]));
    const itemsFor = new Map();
    const excluded = [];
    for (const entity of registers.entities) {
      if (!entity.active || !(entity.grade in population)) continue;
      active[entity.grade]++;
      const scoped = items.filter((item) => qualifyingTags(entity, item).length);
      if (!scoped.length) continue;
      inScope[entity.grade]++;
      const out = (reason) => excluded.push([task.id, entity.grade, entity.uscc, reason]);
      if (stated.has(entity.uscc)) { out(`参数排除 (params): ${stated.get(entity.uscc)}`); continue; }
      if (perYear !== null && history.visits(entity.uscc, year) >= perYear) {
        out(`频次上限 (frequency cap): ${year} 年已检查 ${history.visits(entity.uscc, year)} 次，每年至多 ${perYear} 次`);
        continue;
      }
      const allowed = scoped.filter((item) => perItem === null || history.itemVisits(entity.uscc, item.id, year) < perItem);
      if (!allowed.length) {
        out(`频次上限 (frequency cap): ${year} 年已就事项 ${scoped.map((i) => i.id).join(', ')} 被抽查，每年每事项至多 ${perItem} 次`);
        continue;
      }
      population[entity.grade].push(entity);
      itemsFor.set(entity.uscc, allowed.map((item) => item.id));
    }
    const populations = task.grades.map((g) => [task.id, g, active[g], inScope[g],
      excluded.filter((x) => x[1] === g).length, population[g].length]);
    return { task, population, itemsFor, excluded, populations };
  }

  // ---- visits and inspectors (protocol v1, "Inspectors") ----
  function planVisits(quarter, drawn, registers, firstNumber) {
    const byEntity = new Map();
    for (const row of drawn) {
      if (!byEntity.has(row.uscc)) byEntity.set(row.uscc, []);
      byEntity.get(row.uscc).push(row);
    }
    const visits = [];
    for (const rows of byEntity.values()) {
      rows.sort((a, b) => compare(a.task, b.task));
      const first = rows[0];
      const items = sorted(new Set(rows.flatMap((row) => row.items)));
      const departments = sorted(new Set(items.map((id) => registers.items.get(id).department)));
      visits.push({ uscc: first.uscc, task: first.task, ticket: first.ticket, tasks: rows.map((r) => r.task), items,
        departments, batch: first.batch });
    }
    visits.sort((a, b) => compareTuples([a.task, a.ticket, a.uscc], [b.task, b.ticket, b.uscc]));
    visits.forEach((visit, index) => { visit.id = `${quarter}-V${padded(firstNumber + index)}`; });
    return visits;
  }

  const certifiedOf = (registers, department) =>
    [...registers.inspectors.values()].filter((i) => i.certified && i.department === department);

  function workloadCaps(visits, registers, rules) {
    const demand = new Map();
    for (const visit of visits) for (const d of visit.departments) demand.set(d, (demand.get(d) || 0) + 1);
    const caps = new Map();
    for (const [department, count] of demand) {
      const staff = certifiedOf(registers, department).length;
      if (!staff) throw new Problem(`部门 department ${department} 没有持证检查人员 has no certified inspector`);
      const demanded = count * rules.per_department; // ceil(demand / staff) in whole numbers
      caps.set(department, (demanded - (demanded % staff)) / staff + (demanded % staff ? 1 : 0) + rules.workload_slack);
    }
    return caps;
  }

  function allowedInspectors(registers, department, entity, rules, previous) {
    return certifiedOf(registers, department).filter((i) => !registers.conflicts.has(`${i.cert}\n${entity.uscc}`)
      && !(rules.cross_unit && i.unit === entity.unit) && !previous.includes(i.cert));
  }

  /** The second random: each visit's inspectors, lowest tickets first under the soft cap. */
  async function assign(seed, visits, registers, rules, history, caps, loads) {
    const entities = new Map(registers.entities.map((e) => [e.uscc, e]));
    const plan = [];
    const messages = [];
    for (const visit of visits) {
      const entity = entities.get(visit.uscc);
      for (const department of visit.departments) {
        const people = allowedInspectors(registers, department, entity, rules, history.last(visit.uscc));
        if (people.length < rules.per_department) {
          throw new Problem(`visit ${visit.id}: 部门 department ${department} 候选人不足 has ${people.length} candidates`);
        }
        plan.push({ visit, department, people, at: messages.length });
        for (const person of people) messages.push(`${seed}\n${visit.task}\n${visit.uscc}\n${person.cert}`);
      }
    }
    const tickets = await hashAll(messages);
    const exceptions = [];
    for (const visit of visits) visit.inspectors = [];
    for (const { visit, department, people, at } of plan) {
      const cap = caps.get(department);
      const ranked = people.map((p, k) => [tickets[at + k], p.cert]).sort(compareTuples).map(([, cert]) => cert);
      const under = ranked.filter((cert) => (loads.get(cert) || 0) < cap);
      const team = under.slice(0, rules.per_department);
      if (team.length < rules.per_department) {
        const over = ranked.filter((cert) => (loads.get(cert) || 0) >= cap);
        for (const cert of over.slice(0, rules.per_department - team.length)) {
          exceptions.push({ visit_id: visit.id, uscc: visit.uscc, department, cert_no: cert, load: loads.get(cert) || 0,
            cap, under_cap: under.length });
          team.push(cert);
        }
      }
      for (const cert of team) {
        visit.inspectors.push(cert);
        loads.set(cert, (loads.get(cert) || 0) + 1);
      }
    }
    return exceptions;
  }

  const visitRow = (v) => [v.id, v.uscc, v.task, joined(v.tasks), joined(v.items), joined(v.departments),
    joined(v.inspectors), v.batch === null ? '' : v.batch];
  const VISITS_COLUMNS = ['visit', 'uscc', 'task_id', 'tasks', 'items', 'departments', 'inspectors', 'batch'];
  const TICKETS_COLUMNS = ['task_id', 'grade', 'uscc', 'ticket', 'rank', 'selected', 'batch'];
  const SUMMARY_COLUMNS = ['task_id', 'grade', 'eligible', 'percent', 'floor', 'quota', 'selected', 'reason'];
  const CAP_COLUMNS = ['visit', 'uscc', 'department', 'cert_no', 'visits_before', 'cap', 'under_cap_candidates'];
  const LOAD_COLUMNS = ['cert_no', 'name', 'department', 'unit', 'certified', 'visits', 'cap'];
  const HISTORY_COLUMNS = ['quarter', 'visit', 'uscc', 'items', 'inspectors'];
  const RULE_NAMES = {
    conflict: '申报的利害关系回避 (declared conflict)',
    home_unit: '所所交叉：本所人员回避 (same home unit)',
    previous_visit: '不与上次检查人员相同 (inspected this entity last time)',
    uncertified: '未持执法证 (not certified)',
    department: '非事项责任部门 (not of a responsible department)',
    too_few: '每部门人数不符 (not per_department of each department)',
    workload_cap: '工作量上限，未列为例外 (over the workload cap, not a listed cap exception)',
    not_over_cap: '列为例外但未达上限 (listed as a cap exception, but under the cap)',
    unknown: '不在检查人员名录 (not in the inspectors register)',
  };

  /** The rules of the second random, re-checked on visits as archived (loads counted in visit order). */
  function ruleBreaches(visits, registers, rules, history, caps, exceptions) {
    const entities = new Map(registers.entities.map((e) => [e.uscc, e]));
    const listed = new Set(exceptions.map((e) => `${e.visit}\n${e.cert_no}`));
    const found = Object.fromEntries(Object.keys(RULE_NAMES).map((rule) => [rule, []]));
    const loads = new Map();
    const used = new Set();
    for (const visit of visits) {
      const entity = entities.get(visit.uscc);
      const previous = history.last(visit.uscc);
      const departments = split(visit.departments);
      const sent = new Map();
      for (const cert of split(visit.inspectors)) {
        const inspector = registers.inspectors.get(cert);
        const pair = `${visit.visit} ${cert}`;
        used.add(`${visit.visit}\n${cert}`);
        if (!inspector) { found.unknown.push(pair); continue; }
        const load = loads.get(cert) || 0;
        const over = load >= (caps.get(inspector.department) ?? 0);
        if (over && !listed.has(`${visit.visit}\n${cert}`)) found.workload_cap.push(pair);
        if (!over && listed.has(`${visit.visit}\n${cert}`)) found.not_over_cap.push(pair);
        loads.set(cert, load + 1);
        if (entity && registers.conflicts.has(`${cert}\n${visit.uscc}`)) found.conflict.push(pair);
        if (entity && rules.cross_unit && inspector.unit === entity.unit) found.home_unit.push(pair);
        if (previous.includes(cert)) found.previous_visit.push(pair);
        if (!inspector.certified) found.uncertified.push(pair);
        if (!departments.includes(inspector.department)) found.department.push(pair);
        sent.set(inspector.department, (sent.get(inspector.department) || 0) + 1);
      }
      for (const d of departments) if ((sent.get(d) || 0) !== rules.per_department) found.too_few.push(`${visit.visit} ${d}`);
    }
    for (const key of listed) if (!used.has(key)) found.not_over_cap.push(key.replace('\n', ' '));
    return found;
  }

  // ---- the checks ----
  const STATUS_TEXT = { PASS: '通过 PASS', FAIL: '未通过 FAIL', 'NOT CHECKED': '未核验 NOT CHECKED', NOTE: '说明 NOTE' };

  class Run {
    constructor(archive, extra, ui) {
      Object.assign(this, archive);
      this.extra = extra; // the project's params and register files, by file name (optional)
      this.ui = ui;
      this.results = [];
    }
    add(id, title, status, detail) {
      this.results.push({ id, title, status, detail });
      this.ui.row(this.name, id, title, status, detail);
    }
    async check(id, title, body) {
      try {
        const [status, detail] = await body();
        this.add(id, title, status, detail);
      } catch (error) {
        if (error instanceof Unsupported) this.add(id, title, 'NOT CHECKED', error.message);
        else if (error instanceof Problem) this.add(id, title, 'FAIL', error.message);
        else this.add(id, title, 'FAIL', `本页面无法完成此项 the page could not complete this check: ${error}`);
      }
    }
    passed(id) { return this.results.some((r) => r.id === id && r.status === 'PASS'); }
  }

  async function sealed(folder, base, shown) {
    const manifestPath = base + 'manifest.json';
    const sealPath = base + 'manifest.json.sha256';
    if (!folder.has(manifestPath)) throw new Problem(`${shown}manifest.json 缺失 is missing`);
    if (!folder.has(sealPath)) throw new Problem(`${shown}manifest.json.sha256 缺失 is missing`);
    const digest = await sha256(await folder.bytes(manifestPath));
    const seal = await folder.text(sealPath);
    if (seal !== `${digest}  manifest.json\n`) {
      throw new Problem(`${shown}manifest.json 的 SHA-256 为 has ${digest}，与 manifest.json.sha256 不符 ` +
        `(which holds '${seal.trim()}'): 清单被改动 the manifest was changed`);
    }
    return [await folder.json(manifestPath), digest];
  }

  async function verifyArchive(run, progress) {
    const { folder } = run;
    const records = [...folder.files.keys()].map((p) => /^records\/([^/]+)\/manifest\.json$/.exec(p))
      .filter((m) => m && RECORD_NAME.test(m[1])).map((m) => m[1])
      .sort((a, b) => Number(RECORD_NAME.exec(a)[1]) - Number(RECORD_NAME.exec(b)[1]));
    const manifests = [];

    // 1. the manifest's seal, the files, the chain
    await run.check('manifest', '清单自身 manifest', async () => {
      const [manifest, digest] = await sealed(folder, '', '');
      manifests.push({ base: '', manifest, digest });
      return ['PASS', `manifest.json 的 SHA-256 与 manifest.json.sha256 一致 matches its seal: ${digest}`];
    });
    if (!manifests.length) return;
    progress(0.02, '核对文件哈希 hashing the files');
    await run.check('files', '文件哈希 files', async () => {
      const problems = [];
      for (const name of records) {
        try {
          const [manifest, digest] = await sealed(folder, `records/${name}/`, `records/${name}/`);
          manifests.push({ base: `records/${name}/`, manifest, digest });
        } catch (error) { problems.push(error.message); }
      }
      const listed = new Set();
      let count = 0;
      let done = 0;
      const total = manifests.reduce((n, m) => n + Object.keys(m.manifest.files || {}).length, 0);
      for (const { base, manifest } of manifests) {
        listed.add(base + 'manifest.json').add(base + 'manifest.json.sha256').add(base + 'SHA256SUMS');
        const files = manifest.files || {};
        const sums = folder.has(base + 'SHA256SUMS') ? await folder.text(base + 'SHA256SUMS') : null;
        if (sums === null) problems.push(`${base}SHA256SUMS 缺失 is missing`);
        else if (await sha256(await folder.bytes(base + 'SHA256SUMS')) !== manifest.sha256sums) {
          problems.push(`${base}SHA256SUMS 与清单不符 does not match the manifest`);
        }
        const inSums = new Map((sums || '').split('\n').filter(Boolean).map((line) => [base + line.slice(66), line.slice(0, 64)]));
        for (const [path, digest] of Object.entries(files)) {
          listed.add(path);
          count++;
          if (!folder.has(path)) { problems.push(`${path} 缺失 is missing`); continue; }
          const actual = await sha256(await folder.bytes(path));
          if (actual !== digest) problems.push(`${path} 的 SHA-256 为 is ${actual}，清单记为 the manifest lists ${digest}: 文件被改动 it was changed`);
          else if (sums !== null && inSums.get(path) !== actual) problems.push(`${path}: SHA256SUMS 中的哈希不符 does not match SHA256SUMS`);
          if (++done % 16 === 0) progress(0.02 + 0.2 * (done / total), '核对文件哈希 hashing the files');
        }
        for (const path of inSums.keys()) if (!(path in files)) problems.push(`${path} 在 SHA256SUMS 中但不在清单中 is in SHA256SUMS but not in the manifest`);
      }
      for (const path of folder.files.keys()) {
        if (!listed.has(path)) problems.push(`${path} 在归档中但不在任何清单中 is in the archive but in no manifest`);
      }
      if (problems.length) throw new Problem(problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (+${problems.length - 5})` : ''));
      return ['PASS', `${count} 个文件与 ${manifests.length} 份清单及 SHA256SUMS 一致 files match their SHA-256 in ${manifests.length} manifest(s) and SHA256SUMS`];
    });
    const quarter = manifests[0].manifest.quarter;
    await checkChain(run, manifests, records, quarter);

    // 2. the inputs: draw record, params, freeze record
    let draw;
    let params;
    let freeze;
    let registerFiles;
    await run.check('freeze', '冻结记录 freeze', async () => {
      draw = await folder.json('draw/draw.json');
      const freezePath = `inputs/params/${quarter}.freeze.json`;
      const paramsPath = `inputs/params/${quarter}.yaml`;
      freeze = await folder.json(freezePath);
      const data = loadYaml(await folder.text(paramsPath), paramsPath);
      params = readParams(data);
      params.raw = data;
      registerFiles = {};
      const problems = [];
      for (const name of REGISTERS) {
        const entry = (freeze.registers || {})[name];
        if (!entry) { problems.push(`冻结记录没有名录 the freeze record has no register ${name}`); continue; }
        const path = `inputs/${entry.path}`;
        registerFiles[name] = path;
        if (!folder.has(path)) { problems.push(`${path} 缺失 is missing`); continue; }
        const digest = await sha256(await folder.bytes(path));
        if (digest !== entry.sha256) problems.push(`${path} 的 SHA-256 为 is ${digest}，冻结记录为 the freeze record holds ${entry.sha256}`);
      }
      const content = { ...data };
      delete content.seed;
      const digest = await sha256(encoder.encode(pyJson(content, 0, true)));
      if (digest !== freeze.params_without_seed_sha256) {
        problems.push(`${paramsPath} 除种子外的内容 without its seed has SHA-256 ${digest}，冻结记录为 the freeze record holds ${freeze.params_without_seed_sha256}`);
      }
      if (freeze.history) {
        const historyDigest = await sha256(await folder.bytes('inputs/history.csv'));
        if (historyDigest !== freeze.history.sha256) problems.push(`inputs/history.csv 的 SHA-256 为 is ${historyDigest}，冻结记录为 the freeze record holds ${freeze.history.sha256}`);
      }
      if (problems.length) throw new Problem(problems.join('; '));
      return ['PASS', `${REGISTERS.length} 份名录、参数（种子除外）${freeze.history ? '及历史' : ''}与冻结记录一致 the registers, ` +
        `the params without the seed${freeze.history ? ' and the history' : ''} match the freeze record of ${freeze.frozen_at}`];
    });
    if (!draw || !params) return;

    await run.check('params', '参数与抽签记录 draw record', async () => {
      if (params.quarter !== quarter) throw new Problem(`参数的季度 the params' quarter is '${params.quarter}', not ${quarter}`);
      if (!params.seed) throw new Problem('参数中没有种子 the params hold no seed');
      const digits = [...params.seed].filter((c) => c >= '0' && c <= '9').length;
      if (digits < 20) throw new Problem(`种子只有 ${digits} 位数字 the seed has ${digits} decimal digits; at least 20 are required`);
      const expected = recordJson({
        protocol: PROTOCOL,
        quarter,
        demo: params.demo,
        seed: params.seed,
        seed_provenance: params.provenance,
        percent: Object.fromEntries(GRADES.map((g) => [g, params.percent[g]])),
        inspection: params.inspection,
        frequency: params.frequency,
        exclusions: params.exclusions,
        tasks: params.tasks.map((t) => ({ id: t.id, items: t.items, grades: t.grades, batches: t.batches })),
        registers: Object.fromEntries(REGISTERS.map((name) => [name, {
          path: freeze.registers[name].path, sha256: freeze.registers[name].sha256 }])),
      });
      const difference = firstDifference('draw/draw.json', expected, await folder.text('draw/draw.json'));
      if (difference) throw new Problem(`draw/draw.json 与参数不符 differs from the params: ${difference}`);
      return ['PASS', `draw/draw.json 由参数重算，逐字节一致 recomputed from inputs/params/${quarter}.yaml, identical byte for byte ` +
        `(种子 seed: “${params.seed}”)`];
    });
    const seed = params.seed;

    // 3. tickets and selection, from the seed and each stratum's entities
    progress(0.25, '重算签号 recomputing the tickets');
    let tickets;
    await run.check('tickets', '签号、排序与中签 tickets and selection', async () => {
      const found = await folder.text('draw/tickets.csv');
      const rows = archiveRows(found, TICKETS_COLUMNS, 'draw/tickets.csv');
      const strata = new Map(params.tasks.flatMap((t) => t.grades.map((g) => [`${t.id}\n${g}`, []])));
      for (const row of rows) {
        const stratum = strata.get(`${row.task_id}\n${row.grade}`);
        if (!stratum) throw new Problem(`draw/tickets.csv 有参数中没有的层 has a stratum the params do not draw: ${row.task_id} ${row.grade}`);
        stratum.push(row.uscc);
      }
      const order = [];
      for (const [key, usccs] of strata) for (const u of usccs) order.push([key, u]);
      const digests = await hashAll(order.map(([key, u]) => `${seed}\n${key.split('\n')[0]}\n${u}`),
        (share) => progress(0.25 + 0.3 * share, `重算签号 recomputing the tickets: ${Math.round(share * order.length)} / ${order.length}`));
      const ranked = new Map([...strata.keys()].map((key) => [key, []]));
      order.forEach(([key, u], i) => ranked.get(key).push([digests[i], u]));
      const expected = [];
      const summary = [];
      tickets = { strata: new Map(), selected: [] };
      for (const task of params.tasks) {
        for (const grade of task.grades) {
          const list = ranked.get(`${task.id}\n${grade}`).sort(compareTuples);
          const n = quota(list.length, params.percent[grade]);
          const stratum = list.map(([ticket, uscc], index) => {
            const rank = index + 1;
            const batch = task.batches && rank <= n ? ((rank - 1) % task.batches) + 1 : null;
            return { task: task.id, grade, uscc, ticket, rank, selected: rank <= n, batch };
          });
          tickets.strata.set(`${task.id}\n${grade}`, stratum);
          for (const t of stratum) {
            expected.push([t.task, grade, t.uscc, t.ticket, t.rank, t.selected ? 'true' : 'false', t.batch ?? '']);
            if (t.selected) tickets.selected.push(t);
          }
          const reason = belowFloor(params.percent[grade], grade) ? (params.justification[grade] || '') : '';
          summary.push([task.id, grade, list.length, params.percent[grade], FLOORS[grade], n, Math.min(n, list.length), reason]);
        }
      }
      tickets.summary = summary;
      const difference = firstDifference('draw/tickets.csv', csvText(TICKETS_COLUMNS, expected), found);
      if (difference) throw new Problem(difference);
      return ['PASS', `${rows.length} 张签由种子重算，排序、中签与批次一致 tickets recomputed from the seed: ranks by (ticket, USCC), ` +
        `selected = rank ≤ quota, batches (mode c), identical to draw/tickets.csv in ${strata.size} strata`];
    });
    await run.check('summary', '各层配额 quotas', async () => {
      if (!tickets) throw new Problem('签号未能重算 the tickets could not be recomputed');
      const difference = firstDifference('draw/summary.csv', csvText(SUMMARY_COLUMNS, tickets.summary), await folder.text('draw/summary.csv'));
      if (difference) throw new Problem(difference);
      return ['PASS', `${tickets.summary.length} 层的 N、百分比、下限、配额 n = ⌈N·p/100⌉（精确整数运算 exact BigInt arithmetic）与 draw/summary.csv 一致 ` +
        'quotas recomputed, identical to draw/summary.csv'];
    });

    // 4. eligibility, from the archived registers, params and history
    progress(0.6, '由名录重算抽查对象 re-deriving who was eligible');
    let registers;
    let eligible;
    let history;
    const year = Number(QUARTER.exec(quarter)[2]);
    await run.check('eligibility', '名录与抽查对象 eligibility', async () => {
      const tables = {};
      for (const name of REGISTERS) {
        const path = registerFiles[name];
        tables[name] = { shown: path, rows: registerTable(await folder.bytes(path), name, params.headers[name], path) };
      }
      registers = readRegisters(tables, params);
      history = historyOf(archiveRows(await folder.text('inputs/history.csv'), HISTORY_COLUMNS, 'inputs/history.csv'));
      eligible = params.tasks.map((task) => eligibility(task, registers, params, history, year));
      const populations = eligible.flatMap((e) => e.populations);
      const excluded = eligible.flatMap((e) => e.excluded);
      for (const [path, columns, rows] of [
        ['draw/populations.csv', ['task_id', 'grade', 'active', 'in_scope', 'excluded', 'eligible'], populations],
        ['draw/excluded.csv', ['task_id', 'grade', 'uscc', 'reason'], excluded],
      ]) {
        const difference = firstDifference(path, csvText(columns, rows), await folder.text(path));
        if (difference) throw new Problem(difference);
      }
      if (!tickets) throw new Problem('签号未能重算 the tickets could not be compared');
      for (const e of eligible) {
        for (const grade of e.task.grades) {
          const mine = new Set(e.population[grade].map((x) => x.uscc));
          const theirs = new Set(tickets.strata.get(`${e.task.id}\n${grade}`).map((t) => t.uscc));
          const extra = [...theirs].find((u) => !mine.has(u));
          const absent = [...mine].find((u) => !theirs.has(u));
          if (extra || absent) {
            throw new Problem(`draw/tickets.csv, ${e.task.id} ${grade}: ` + (extra
              ? `${extra} 有签但按名录不符合条件 has a ticket but is not eligible by the registers and params`
              : `${absent} 按名录符合条件但没有签 is eligible by the registers and params but has no ticket`));
          }
        }
      }
      const byTask = new Map(eligible.map((e) => [e.task.id, e]));
      const entities = new Map(registers.entities.map((x) => [x.uscc, x]));
      const match = tickets.selected.flatMap((t) => byTask.get(t.task).itemsFor.get(t.uscc).map((item) =>
        [t.task, t.uscc, item, joined(sorted(qualifyingTags(entities.get(t.uscc), registers.items.get(item))))]));
      const difference = firstDifference('draw/match.csv', csvText(['task_id', 'uscc', 'item_id', 'qualifying_tags'], match),
        await folder.text('draw/match.csv'));
      if (difference) throw new Problem(difference);
      return ['PASS', `由归档名录 ${registers.entities.length} 户、参数与历史重算：登记状态、事项范围（标签）、参数排除、频次上限 ` +
        `re-derived from the archived registers, params and history (status, scope of the items by tags, exclusions, frequency ` +
        `caps): every stratum of draw/tickets.csv, draw/populations.csv, draw/excluded.csv (${excluded.length}) and draw/match.csv identical`];
    });

    // 5. visits and inspectors
    progress(0.75, '重算检查人员 recomputing the inspectors');
    let state;
    await run.check('inspectors', '检查人员（第二个随机）inspectors', async () => {
      if (!registers || !eligible || !tickets) throw new Unsupported('抽查对象未能重算，检查人员无从重算 eligibility was not re-derived, so the visits cannot be');
      const rules = params.inspection;
      const archived = archiveRows(await folder.text('draw/visits.csv'), VISITS_COLUMNS, 'draw/visits.csv');
      const loadRows = archiveRows(await folder.text('draw/inspector_load.csv'), LOAD_COLUMNS, 'draw/inspector_load.csv');
      const caps = new Map(loadRows.filter((r) => r.cap !== '').map((r) => [r.department, Number(r.cap)]));
      const exceptionsFound = folder.has('draw/cap_exceptions.csv')
        ? archiveRows(await folder.text('draw/cap_exceptions.csv'), CAP_COLUMNS, 'draw/cap_exceptions.csv') : [];
      const breaches = ruleBreaches(archived, registers, rules, history, caps, exceptionsFound);
      const broken = Object.entries(breaches).filter(([, pairs]) => pairs.length);
      if (broken.length) {
        throw new Problem('draw/visits.csv 违反检查人员规则 breaks the inspector rules: ' +
          broken.map(([rule, pairs]) => `${RULE_NAMES[rule]}: ${pairs.slice(0, 3).join(', ')}`).join('; '));
      }
      const byTask = new Map(eligible.map((e) => [e.task.id, e]));
      const drawn = tickets.selected.map((t) => ({ task: t.task, uscc: t.uscc, ticket: t.ticket, batch: t.batch,
        items: byTask.get(t.task).itemsFor.get(t.uscc) }));
      const visits = planVisits(quarter, drawn, registers, 1);
      const recomputedCaps = workloadCaps(visits, registers, rules);
      const loads = new Map();
      const exceptions = await assign(seed, visits, registers, rules, history, recomputedCaps, loads);
      const texts = [['draw/visits.csv', csvText(VISITS_COLUMNS, visits.map(visitRow))],
        ['draw/inspector_load.csv', csvText(LOAD_COLUMNS, [...registers.inspectors.values()].map((i) => [i.cert, i.name,
          i.department, i.unit, i.certified ? '是' : '否', loads.get(i.cert) || 0, recomputedCaps.get(i.department) ?? '']))]];
      if (exceptions.length || folder.has('draw/cap_exceptions.csv')) {
        texts.push(['draw/cap_exceptions.csv', csvText(CAP_COLUMNS, exceptions.map((e) => [e.visit_id, e.uscc, e.department,
          e.cert_no, e.load, e.cap, e.under_cap]))]);
      }
      for (const [path, text] of texts) {
        if (!folder.has(path)) throw new Problem(`${path} 缺失 is missing: 重算有上限例外 the recomputation has cap exceptions`);
        const difference = firstDifference(path, text, await folder.text(path));
        if (difference) throw new Problem(difference);
      }
      state = { visits: archived.map((v) => ({ ...v })), largest: Math.max(0, ...archived.map((v) => Number(v.visit.split('-V').pop()))),
        batches: new Map(tickets.selected.map((t) => [`${t.task}\n${t.uscc}`, t.batch])), used: new Set(), replaced: new Map() };
      return ['PASS', `${visits.length} 次检查：每部门 ${rules.per_department} 人，无申报利害关系、` +
        `${rules.cross_unit ? '无本所人员、' : ''}无上次检查人员；${exceptions.length ? `${exceptions.length} 个上限例外均已列明` : '无上限例外'}。` +
        ` ${visits.length} visits: every department sends ${rules.per_department}, no declared conflict,${rules.cross_unit ? ' no one of the home unit,' : ''}` +
        ` none of the previous visit; ${exceptions.length ? `${exceptions.length} cap exception(s), each listed` : 'no cap exception'}; ` +
        'draw/visits.csv, draw/inspector_load.csv recomputed from the inspector tickets, identical'];
    });

    // 6. records appended later
    progress(0.88, '核对追加记录 checking the records');
    await checkRecords(run, records, { run, quarter, draw, params, registers, eligible, tickets, history, state, seed });
    await checkHistory(run, manifests[0].manifest, quarter);
    run.add('public', '结果公示 public files', 'NOT CHECKED', '公示文件在归档之外 (public/<季度>/)：请用 make verify 由归档重建并比对 ' +
      'the public files sit outside the archive; make verify rebuilds them from it and compares');
    run.add('git order', '冻结先于种子 git order', 'NOT CHECKED', '浏览器无法读取 git 历史：请在项目仓库中用 make verify 或 git log 核对冻结记录的提交早于种子的提交 ' +
      'a browser cannot read git history; make verify (or git log) checks that the freeze was committed before the seed');
    if (Object.keys(run.extra).length) await compareProject(run, quarter, registerFiles);
  }

  /** The chain of previous manifests from the quarter's latest manifest, through its records, back to the first. */
  async function checkChain(run, manifests, records, quarter) {
    const own = [`${quarter}/manifest.json`, ...records.map((name) => `${quarter}/records/${name}/manifest.json`)];
    const lookup = (path) => {
      for (const archive of run.all) {
        const name = archive === run.self ? quarter : archive.name;
        if (path.startsWith(name + '/') && archive.folder.has(path.slice(name.length + 1))) return [archive.folder, path.slice(name.length + 1)];
      }
      return null;
    };
    let outside = null;
    await run.check('chain', '哈希链（本季度）chain', async () => {
      const met = [own[own.length - 1]];
      let current = lookup(met[0]);
      if (!current) throw new Problem(`${met[0]} 缺失 is missing`);
      for (;;) {
        const manifest = await current[0].json(current[1]);
        const link = manifest.previous;
        if (!link) break;
        if (met.includes(link.path)) throw new Problem(`${met[met.length - 1]} 指向 names ${link.path}: 链成环 the chain loops`);
        const target = lookup(link.path);
        if (!target && link.path.startsWith(quarter + '/')) {
          throw new Problem(`${link.path} 缺失 is missing: ${met[met.length - 1]} 指向它 names it as the previous manifest; 记录被删除 a record was deleted`);
        }
        if (!target) { outside = link.path; break; }
        const digest = await sha256(await target[0].bytes(target[1]));
        if (digest !== link.sha256) throw new Problem(`${link.path} 的 SHA-256 与 ${met[met.length - 1]} 所记不符 does not have the SHA-256 that ${met[met.length - 1]} recorded: it was changed`);
        met.push(link.path);
        current = target;
      }
      const mine = met.filter((p) => own.includes(p)).reverse();
      if (mine.join() !== own.join() && outside) {
        throw new Unsupported(`链在到达 ${own.filter((p) => !met.includes(p)).join(', ')} 之前离开所选文件夹，经过 ${outside} ` +
          `the chain leaves the chosen folder at ${outside} before it reaches them: choose the whole outputs/ folder`);
      }
      if (mine.join() !== own.join()) {
        const absent = own.filter((p) => !met.includes(p));
        throw new Problem(absent.length ? `链不经过 the chain does not pass through ${absent.join(', ')}: 记录缺失或被替换 a record is missing or was replaced`
          : `链中本季度清单顺序不对 the chain meets the quarter's manifests out of order`);
      }
      return ['PASS', `${met.length - 1} 个链接逐一核对 links checked, through the draw and its ${records.length} record(s)` +
        (outside ? `; it continues to ${outside}` : '; the first manifest of the series')];
    });
    if (outside) {
      run.add('chain before', '哈希链（更早季度）earlier quarters', 'NOT CHECKED', `${outside} 不在所选文件夹中：选择整个 outputs/ 文件夹即可核对更早的季度 ` +
        'is not in the chosen folder: choose the whole outputs/ folder to check the earlier quarters too');
    }
    run.chainOutside = outside;
  }

  /** inputs/history.csv: empty for the first quarter of a series; otherwise recomputed from the earlier archives chosen. */
  async function checkHistory(run, manifest, quarter) {
    await run.check('history', '历史检查记录 history', async () => {
      const text = await run.folder.text('inputs/history.csv');
      if (!manifest.previous) {
        if (text !== HISTORY_COLUMNS.join(',') + '\n') throw new Problem('本系列第一个季度的 inputs/history.csv 应为空 should be empty for the first quarter of the series (no earlier manifest)');
        return ['PASS', '本季度之前链上没有清单，历史为空 no earlier manifest on the chain: the history is empty'];
      }
      throw new Unsupported('历史来自更早季度的归档：其 SHA-256 已与冻结记录核对；逐条重算请用 make verify ' +
        'the history comes from earlier archives; its SHA-256 was checked against the freeze record, and make verify recomputes it visit by visit');
    });
  }

  async function checkRecords(run, records, ctx) {
    const { folder } = run;
    if (!records.length) { run.add('records', '追加记录 records', 'PASS', '没有追加记录 no appended records'); return; }
    await run.check('records', '追加记录 records', async () => {
      records.forEach((name, index) => {
        if (!name.startsWith(padded(index + 1) + '-')) throw new Problem(`records/${name} 位于应为 ${padded(index + 1)} 的位置 comes where record ${padded(index + 1)} should be: 有记录缺失 an appended record is missing`);
      });
      if (!ctx.state) throw new Unsupported('抽签检查未能重算，记录无从重算 the draw\'s visits were not recomputed, so the records cannot be');
      for (const name of records) {
        const kind = RECORD_NAME.exec(name)[2];
        const base = `records/${name}/`;
        if (kind === 'results') continue; // its files and its place in the chain are checked; its content is make verify's
        if (kind !== 'replacement') throw new Problem(`${base}: 未知记录类型 unknown kind of record '${kind}'`);
        const data = await folder.json(base + 'replacement.json');
        const texts = await replacementTexts(ctx, data, name);
        for (const [file, text] of texts) {
          const difference = firstDifference(base + file, text, await folder.text(base + file));
          if (difference) throw new Problem(`${base}: 替补不是同层下一个候补 the replacement is not what the protocol gives: ${difference}`);
        }
        const added = archiveRows(await folder.text(base + 'visits.csv'), VISITS_COLUMNS, base + 'visits.csv');
        ctx.state.visits = ctx.state.visits.filter((v) => v.visit !== data.replaced_visit).concat(added);
        ctx.state.largest = Math.max(ctx.state.largest, ...added.map((v) => Number(v.visit.split('-V').pop())));
        ctx.state.replaced.set(data.replaced_uscc, `records/${name}`);
        for (const t of data.tasks) {
          ctx.state.used.add(`${t.task_id}\n${t.replacement_uscc}`);
          ctx.state.batches.set(`${t.task_id}\n${t.replacement_uscc}`, t.batch);
        }
      }
      const replaced = records.filter((n) => n.endsWith('-replacement')).length;
      return ['PASS', `${replaced} 条替补记录由归档重算：同层最低位次的未用候补、批次、检查人员，逐字节一致 replacement record(s) recomputed ` +
        `(the lowest-ranked unused reserve of the same stratum, its batch and inspectors), identical byte for byte`];
    });
    const results = records.filter((n) => n.endsWith('-results'));
    if (results.length) {
      run.add('results', '结果记录 results records', 'NOT CHECKED', `${results.map((n) => `records/${n}`).join(', ')}：` +
        '文件哈希与哈希链已核对；结果内容（期限、公示）请用 make verify 核验 their files and place in the chain are checked; ' +
        'their content (deadlines, publication) is checked by make verify');
    }
  }

  /** A replacement record's replacement.json and visits.csv as the protocol gives them after the records before it. */
  async function replacementTexts(ctx, data, name) {
    const { state, tickets, eligible, registers, params, quarter } = ctx;
    const uscc = data.replaced_uscc;
    const reason = strip(data.reason || '');
    const holding = state.visits.filter((v) => v.uscc === uscc);
    if (!holding.length) throw new Problem(`records/${name}: ${uscc} 此前没有检查 has no current visit to replace`);
    const replaced = holding[0];
    const visiting = new Map(state.visits.filter((v) => v !== replaced).map((v) => [v.uscc, v.visit]));
    const entries = [];
    const drawn = [];
    for (const taskId of split(replaced.tasks)) {
      const own = [...tickets.strata.values()].flat().find((t) => t.task === taskId && t.uscc === uscc);
      if (!own) throw new Problem(`records/${name}: ${uscc} 在任务 ${taskId} 中没有签 has no ticket in task ${taskId}`);
      const skipped = [];
      let chosen = null;
      for (const row of tickets.strata.get(`${taskId}\n${own.grade}`)) {
        if (row.selected || state.used.has(`${taskId}\n${row.uscc}`) || row.uscc === uscc) continue;
        if (visiting.has(row.uscc)) skipped.push({ rank: row.rank, uscc: row.uscc, why: `has a visit this quarter already (${visiting.get(row.uscc)})` });
        else if (state.replaced.has(row.uscc)) skipped.push({ rank: row.rank, uscc: row.uscc, why: `was found out of scope this quarter (${state.replaced.get(row.uscc)})` });
        else { chosen = row; break; }
      }
      if (!chosen) throw new Problem(`records/${name}: 层 ${taskId} ${own.grade} 已无候补 has no reserve left`);
      const batch = state.batches.has(`${taskId}\n${uscc}`) ? state.batches.get(`${taskId}\n${uscc}`) : null;
      const items = eligible.find((e) => e.task.id === taskId).itemsFor.get(chosen.uscc);
      drawn.push({ task: taskId, uscc: chosen.uscc, ticket: chosen.ticket, batch, items });
      entries.push({ task_id: taskId, grade: own.grade, replaced_rank: own.rank, replacement_uscc: chosen.uscc,
        replacement_rank: chosen.rank, batch, skipped });
    }
    const visits = planVisits(quarter, drawn, registers, state.largest + 1);
    const loadRows = archiveRows(await ctx.run.folder.text('draw/inspector_load.csv'), LOAD_COLUMNS, 'draw/inspector_load.csv');
    const caps = new Map(loadRows.filter((r) => r.cap !== '').map((r) => [r.department, Number(r.cap)]));
    const missing = visits.filter((v) => v.departments.some((d) => !caps.has(d)));
    for (const [d, cap] of workloadCaps(missing, registers, params.inspection)) if (!caps.has(d)) caps.set(d, cap);
    const loads = new Map();
    for (const v of state.visits) if (v !== replaced) for (const cert of split(v.inspectors)) loads.set(cert, (loads.get(cert) || 0) + 1);
    const exceptions = await assign(ctx.seed, visits, registers, params.inspection, ctx.history, caps, loads);
    const record = { quarter, protocol: ctx.draw.protocol, replaced_uscc: uscc, replaced_visit: replaced.visit, reason, tasks: entries,
      new_visits: visits.map((v) => v.id) };
    if (exceptions.length) record.cap_exceptions = exceptions;
    return [['replacement.json', recordJson(record)], ['visits.csv', csvText(VISITS_COLUMNS, visits.map(visitRow))]];
  }

  /** The project's own params and registers, where the reviewer chose them, against the archived copies. */
  async function compareProject(run, quarter, registerFiles) {
    await run.check('project', '项目文件 project files', async () => {
      const wanted = [`inputs/params/${quarter}.yaml`, `inputs/params/${quarter}.freeze.json`, ...Object.values(registerFiles)];
      const problems = [];
      let same = 0;
      for (const path of wanted) {
        const base = path.split('/').pop();
        const file = run.extra[base];
        if (!file) continue;
        const mine = await sha256(new Uint8Array(await file.arrayBuffer()));
        const archived = await sha256(await run.folder.bytes(path));
        if (mine === archived) same++;
        else problems.push(`${base} 与归档副本 ${path} 不同 differs from the archived copy`);
      }
      if (problems.length) throw new Problem(problems.join('; '));
      if (!same) throw new Unsupported('所选项目文件中没有本季度的参数或名录 none of the chosen files is this quarter\'s params or registers');
      return ['PASS', `${same} 个项目文件与归档副本逐字节一致 project file(s) identical to the archived copies`];
    });
  }

  // ---- the page ----
  const ui = {
    table: null,
    row(archive, id, title, status, detail) {
      const tr = document.createElement('tr');
      tr.dataset.archive = archive;
      tr.dataset.check = id;
      tr.dataset.status = status;
      tr.className = 'status-' + status.replace(' ', '-').toLowerCase();
      for (const text of [title, STATUS_TEXT[status], detail]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      this.table.appendChild(tr);
    },
  };

  let chosen = new Map(); // path -> File, as chosen or dropped
  let extra = {};
  const $ = (id) => document.getElementById(id);

  function setChosen(files) {
    chosen = files;
    const archives = findArchives(chosen);
    $('chosen').textContent = archives.length
      ? `已选择 chosen: ${archives.map((a) => a.name).join(', ')}（${chosen.size} 个文件 files）`
      : `所选文件夹中没有归档 no archive (manifest.json and draw/draw.json) in the ${chosen.size} chosen files`;
    $('run').disabled = !archives.length;
  }

  function fromInput(list) {
    const files = new Map();
    for (const file of list) files.set(file.webkitRelativePath || file.name, file);
    return files;
  }

  async function fromDrop(items) {
    const files = new Map();
    const walk = async (entry, path) => {
      if (entry.isFile) {
        files.set(path + entry.name, await new Promise((ok, no) => entry.file(ok, no)));
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        for (;;) {
          const batch = await new Promise((ok, no) => reader.readEntries(ok, no));
          if (!batch.length) break;
          for (const child of batch) await walk(child, `${path}${entry.name}/`);
        }
      }
    };
    for (const entry of [...items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean)) await walk(entry, '');
    return files;
  }

  async function start() {
    $('run').disabled = true;
    document.body.dataset.state = 'running';
    ui.table = $('results');
    ui.table.replaceChildren();
    $('verdict').textContent = '';
    const bar = $('progress');
    const label = $('progress-label');
    const archives = findArchives(chosen);
    const runs = [];
    const began = performance.now();
    for (const [index, archive] of archives.entries()) {
      const run = new Run(archive, extra, ui);
      run.self = archive;
      run.all = archives;
      runs.push(run);
      const progress = (share, text) => {
        bar.value = (index + share) / archives.length;
        label.textContent = `${archive.name}: ${text}`;
      };
      try {
        await verifyArchive(run, progress);
      } catch (error) {
        run.add('page', '核验页面 page', 'FAIL', `本页面出错 the page failed: ${error}`);
      }
    }
    bar.value = 1;
    const failed = runs.some((run) => run.results.some((r) => r.status === 'FAIL'));
    const unchecked = runs.flatMap((run) => run.results.filter((r) => r.status === 'NOT CHECKED'));
    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    label.textContent = `完成 done in ${seconds} s`;
    $('verdict').textContent = failed ? '未通过 FAIL：见标红的检查项 see the checks marked FAIL'
      : `通过 PASS${unchecked.length ? `（${unchecked.length} 项未核验，原因见说明 not checked here, each with its reason）` : ''}`;
    $('verdict').className = failed ? 'verdict fail' : 'verdict pass';
    document.body.dataset.seconds = seconds;
    document.body.dataset.verdict = failed ? 'FAIL' : 'PASS';
    document.body.dataset.state = 'done';
    $('run').disabled = false;
  }

  function init() {
    if (!window.crypto || !crypto.subtle) {
      $('chosen').textContent = '此浏览器不提供 WebCrypto，无法核验 this browser has no WebCrypto: use a current Chromium, Edge or Firefox';
      return;
    }
    $('archive').addEventListener('change', (event) => setChosen(fromInput(event.target.files)));
    $('project').addEventListener('change', (event) => {
      extra = Object.fromEntries([...event.target.files].map((file) => [file.name, file]));
      $('project-chosen').textContent = `${Object.keys(extra).length} 个文件 files: ${Object.keys(extra).join(', ')}`;
    });
    const zone = $('drop');
    zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', async (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      setChosen(await fromDrop(event.dataTransfer.items));
    });
    $('run').addEventListener('click', () => { start(); });
    document.body.dataset.state = 'ready';
  }

  init();
})();
