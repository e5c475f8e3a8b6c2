// ---- the public files (一公开), rebuilt from the archive and its records as make verify rebuilds them ----
// publish.public_files: publication.csv, tasks.csv and publication.html are rebuilt here byte for byte in the public
// format the latest results record names (results.json 'public_format'; absent: 1), from the quarter's state after
// all records (the visits as the replacements left them, every (visit, item)'s latest result, as 11-results.js
// re-validated them) and the archived registers; their SHA-256 are compared with the record's 'public' list.
// publication.xlsx (format 2) is not rebuilt byte for byte: when the reviewer chooses the public folder
// (public/<quarter>/), its SHA-256 is compared with the record's, and its cells are read (the zip inflated with the
// browser's DecompressionStream) and compared with the rebuilt tables, every cell a text cell, none a formula. The
// chosen folder's files are compared byte for byte with the rebuilt ones, and a missing or extra file is named, as
// publish.differences words it.

// publish.py's constants, as tests/verifier/test_verify_page_public.py checks them against the package
const PUBLIC_RESULTS_HEADER = ["抽查计划", "抽查任务编号", "检查实施机关", "抽查事项", "检查完成日期", "检查结果", "企业名称", "统一社会信用代码"];
const PUBLIC_TASKS_HEADER = ["抽查任务编号", "抽查事项", "检查实施机关", "检查户数"];
const PUBLIC_JOIN = "；";
const PUBLIC_DISTRICT = "湛河区";
const PUBLIC_QUARTER_NAMES = {"1": "一", "2": "二", "3": "三", "4": "四"};
const PUBLIC_BOM = "\ufeff";
const FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"];
const PUBLIC_SPLIT = [",", "\"", "\r", "\n", ";", "\t"];
const BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c";
const PUBLIC_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'";
const PUBLIC_STYLE = "\nbody { font-family: system-ui, -apple-system, \"Segoe UI\", \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"Microsoft YaHei\",\n       \"PingFang SC\", \"Hiragino Sans GB\", \"WenQuanYi Micro Hei\", \"SimSun\", sans-serif;\n       margin: 24px; color: #222; line-height: 1.5; }\nh1 { font-size: 22px; margin: 0 0 8px 0; }\nh2 { font-size: 18px; margin: 24px 0 8px 0; }\n.note { color: #555; font-size: 13px; }\n.demo { border: 2px solid #a60; padding: 6px 12px; color: #a60; }\ntable { border-collapse: collapse; font-size: 13px; }\nth, td { border: 1px solid #bbb; padding: 4px 8px; text-align: left; vertical-align: top; }\nth { background: #f0f0f0; }\ntd { overflow-wrap: anywhere; max-width: 32em; }\n";
// publish.PUBLIC_FILES of each format (publish.FORMATS), and the sheets of publication.xlsx (publish.public_files)
const PUBLIC_FILES_OF = { 1: ['publication.csv', 'publication.html', 'tasks.csv'],
  2: ['publication.csv', 'publication.html', 'publication.xlsx', 'tasks.csv'] };
const PUBLIC_XLSX = 'publication.xlsx';
const PUBLIC_SHEETS = ['检查结果', '抽查任务'];
const PUBLIC_TITLE = '结果公示 public files';
const PUBLIC_TREE_TITLE = '公示文件夹 published tree';

/** publish.plan_name: 2026年第四季度双随机抽查, （演示） added for a demo quarter. */
function publicPlanName(quarter) {
  const match = QUARTER.exec(quarter);
  if (!match) throw new Problem(`'${visible(String(quarter))}' 不是季度 is not a quarter`);
  const number = quarter.slice(-1);
  return `${match[2]}年第${PUBLIC_QUARTER_NAMES[number]}季度双随机抽查` + (match[1] ? '（演示）' : '');
}

/** report.escape: html.escape(quote=True), then every bidi control shown as ⟨U+202E⟩ (report.reveal). */
function publicEscape(value) {
  const text = String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
  return [...text].map((char) => (BIDI_CONTROLS.includes(char) ? `⟨U+${hexOf(char)}⟩` : char)).join('');
}

/** publish.neutralise: a single quote before a cell a spreadsheet would take for a formula. */
const publicNeutralise = (cell) => (FORMULA_STARTS.some((start) => cell.startsWith(start)) ? "'" + cell : cell);
const publicQuoted = (cell) => (PUBLIC_SPLIT.some((char) => cell.includes(char)) ? '"' + cell.replace(/"/g, '""') + '"' : cell);

/** publish.excel_csv: the BOM, LF line ends, every cell neutralised; format 1 quoted as Python's csv module quotes,
    format 2 every cell holding one of PUBLIC_SPLIT. */
function publicCsv(header, rows, format) {
  const neutral = rows.map((row) => row.map(publicNeutralise));
  if (format === 1) return PUBLIC_BOM + csvText(header, neutral);
  return PUBLIC_BOM + [header, ...neutral].map((row) => row.map(publicQuoted).join(',') + '\n').join('');
}

function publicTable(header, rows) {
  const head = header.map((cell) => `<th>${publicEscape(cell)}</th>`).join('');
  const body = rows.map((row) => '<tr>' + row.map((cell) => `<td>${publicEscape(cell)}</td>`).join('') + '</tr>\n').join('');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}</tbody>\n</table>\n`;
}

/** publish.page: publication.html, the results table, the task list and (format 2) the chain head. */
function publicPage(quarter, demo, rows, tasks, head) {
  const plan = publicPlanName(quarter);
  const title = `${PUBLIC_DISTRICT} ${plan}结果公示`;
  const entities = new Set(rows.map((row) => row[7])).size;
  const parts = [
    '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n',
    '<meta http-equiv="Content-Security-Policy"' + ` content="${PUBLIC_CSP}">\n`, // in two: this page's own policy is its only one
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<title>${publicEscape(title)}</title>\n<style>${PUBLIC_STYLE}</style>\n</head>\n<body>\n<main>\n`,
    `<h1>${publicEscape(title)}</h1>\n`,
    `<p>${PUBLIC_DISTRICT}“双随机、一公开”抽查检查结果公示：${publicEscape(plan)}（${publicEscape(quarter)}），` +
    `共 ${rows.length} 条检查结果，涉及 ${entities} 户市场主体；每条为一户市场主体的一个抽查事项。</p>\n`,
    '<p class="note">数据来源：本季度抽查存档中的检查结果记录 (results records)，由存档数据确定性生成；' +
    '与同一目录下的 publication.csv、tasks.csv 内容一致。名称中可改变文字显示顺序的双向控制字符显示为 ⟨U+编码⟩。</p>\n',
  ];
  if (demo) parts.push('<p class="demo"><b>演示数据 DEMO</b>：合成数据，非真实企业与人员，不是正式公示。</p>\n');
  parts.push('<h2>检查结果</h2>\n', publicTable(PUBLIC_RESULTS_HEADER, rows),
    '<h2>抽查任务</h2>\n', publicTable(PUBLIC_TASKS_HEADER, tasks));
  if (head) {
    parts.push('<h2>核对</h2>\n<p>本公示依据的存档哈希链头（存档中最新清单 manifest.json 的 SHA-256）：<b>' +
      `${publicEscape(head)}</b>。任何人可用存档核对本公示由存档生成、存档未被改动：运行 ` +
      `make verify QUARTER=${publicEscape(quarter)} HEAD=（此链头），或在存档所附的 verify.html 中填入此链头。</p>\n`);
  }
  parts.push('</main>\n</body>\n</html>\n');
  return parts.join('');
}

/** The names of the archived registers' entities and items (readRegisters keeps neither), as the package reads them. */
async function publicNames(ctx) {
  const { folder } = ctx.run;
  const freeze = await folder.json(`inputs/params/${ctx.quarter}.freeze.json`);
  const tables = {};
  for (const name of ['entities', 'items']) {
    const path = `inputs/${((freeze.registers || {})[name] || {}).path}`;
    tables[name] = registerTable(await folder.bytes(path), name, ctx.params.headers[name], path, ctx.params.values[name]);
  }
  return {
    entities: new Map(tables.entities.map(({ cells }) => [cells.uscc, cells])),
    items: new Map(tables.items.map(({ cells }) => [cells.item_id, cells])),
  };
}

/** publish.public_results and public_tasks: the rows of publication.csv (sorted by USCC, then item id, then the row's
    text) and of tasks.csv (one per item of the params' tasks, by item id), as text cells. */
function publicRows(ctx, names, results) {
  const { quarter, params } = ctx;
  const plan = publicPlanName(quarter);
  const visits = new Map(ctx.state.visits.map((v) => [v.visit, v]));
  const taskItems = new Map(params.tasks.map((t) => [t.id, t.items || []]));
  const keyed = [];
  const seen = new Set();
  for (const r of results) {
    const where = `the result of visit '${visible(r.visit)}', item '${visible(r.item)}'`;
    const key = `${r.visit}\n${r.item}`;
    if (seen.has(key)) throw new Problem(`${where} is given twice: publish only the result in force`);
    seen.add(key);
    const visit = visits.get(r.visit);
    if (!visit) throw new Problem(`${where}: no such visit in the archive`);
    if (visit.uscc !== r.uscc) throw new Problem(`${where}: the result names entity ${r.uscc}, the visit ${visit.uscc}`);
    const item = names.items.get(r.item);
    const entity = names.entities.get(r.uscc);
    if (!item || !entity) throw new Problem(`${where}: the ${item ? 'entity' : 'item'} is not in the quarter's registers`);
    const tasks = split(visit.tasks);
    if (!tasks.some((task) => (taskItems.get(task) || []).includes(r.item))) {
      throw new Problem(`${where}: none of the visit's tasks (${sorted(tasks).join(', ')}) lists the item`);
    }
    const row = [plan, `${quarter}-${r.item}`, r.department, item.name, isoDay(r.end), r.categories.join(PUBLIC_JOIN),
      entity.name, entity.uscc];
    keyed.push([[entity.uscc, r.item, ...row], row]);
  }
  keyed.sort((a, b) => compareTuples(a[0], b[0]));
  const rows = keyed.map(([, row]) => row);
  const entities = new Map();
  for (const row of rows) {
    if (!entities.has(row[1])) entities.set(row[1], new Set());
    entities.get(row[1]).add(row[7]);
  }
  const itemIds = sorted(new Set(params.tasks.flatMap((t) => t.items || [])));
  const missing = itemIds.filter((id) => !names.items.has(id));
  if (missing.length) throw new Problem(`item(s) ${missing.join(', ')} of the params' tasks not in the quarter's items register`);
  const tasks = itemIds.map((id) => {
    const label = `${quarter}-${id}`;
    const item = names.items.get(id);
    return [label, item.name, item.department, String((entities.get(label) || new Set()).size)];
  });
  return { rows, tasks };
}

// ---- publication.xlsx: its zip parts, inflated by the browser, and its cells ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The zip's entries by name, from its central directory (as a spreadsheet reads it). */
function zipEntries(bytes, shown) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) { end = i; break; }
  }
  if (end < 0) throw new Problem(`${shown} 不是 zip 文件（.xlsx 工作簿是 zip 文件）is not a zip file, which an .xlsx workbook is`);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw new Problem(`${shown}: ZIP64 工作簿 a ZIP64 archive, which publish.py never writes`);
  const entries = new Map();
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) {
      throw new Problem(`${shown}: zip 目录损坏 the zip's central directory is broken`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (entries.has(name)) throw new Problem(`${shown}: ${visible(name)} 在 zip 中出现两次 is in the zip twice`);
    entries.set(name, { flags: view.getUint16(at + 8, true), method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true), compressed: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true), local: view.getUint32(at + 42, true) });
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

/** deflate-raw data inflated by the browser's DecompressionStream, at most ``limit`` bytes. */
async function inflateRaw(data, limit, shown) {
  let stream;
  try {
    stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  } catch (error) {
    throw new Unsupported(`此浏览器不能解压 deflate-raw this browser has no DecompressionStream('deflate-raw') (${error}): ` +
      '请用当前的 Chromium、Edge 或 Firefox use a current Chromium, Edge or Firefox, or make verify');
  }
  const reader = stream.getReader();
  const parts = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      length += value.length;
      if (length > limit) throw new Problem(`${shown} 解压后大于 zip 目录所记 inflates to more than the zip's directory states`);
    }
  } catch (error) {
    if (error instanceof Problem) throw error;
    throw new Problem(`${shown} 无法解压 cannot be inflated: ${error}`);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

/** One part of the zip, as text (null when the zip has no such part). */
async function zipText(bytes, entries, name, shown) {
  const entry = entries.get(name);
  if (!entry) return null;
  const where = `${shown}: ${name}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (entry.local + 30 > bytes.length || view.getUint32(entry.local, true) !== 0x04034b50) {
    throw new Problem(`${where}: zip 本地文件头损坏 its local header is broken`);
  }
  if (entry.flags & 1) throw new Problem(`${where} 已加密 is encrypted`);
  const start = entry.local + 30 + view.getUint16(entry.local + 26, true) + view.getUint16(entry.local + 28, true);
  const data = bytes.subarray(start, start + entry.compressed);
  if (data.length !== entry.compressed) throw new Problem(`${where}: zip 数据被截断 the zip's data is cut short`);
  let plain;
  if (entry.method === 0) plain = data;
  else if (entry.method === 8) plain = await inflateRaw(data, entry.size, where);
  else throw new Problem(`${where}: 未知的压缩方法 compression method ${entry.method}, neither stored nor deflate`);
  if (plain.length !== entry.size || crc32(plain) !== entry.crc) {
    throw new Problem(`${where}: 长度或 CRC-32 与 zip 目录不符 its length or CRC-32 does not match the zip's directory`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch (error) {
    throw new Problem(`${where} 不是 UTF-8 文本 is not UTF-8 text`);
  }
}

// XML as a spreadsheet reads it: line ends normalised (XML 1.0, 2.11), the five entities and character references.
// A cell's text is taken as written: '_x0041_' stays seven characters, as LibreOffice and openpyxl read an inline
// string (ECMA-376's _xHHHH_ escapes are not decoded).
const XML_TOKEN = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/y;
const XML_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function xmlDecode(text, where) {
  return text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);|&/g, (whole, name) => {
    if (!name) throw new Problem(`${where}: 不是有效的 XML is not well-formed XML (a bare '&')`);
    if (name[0] === '#') {
      const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!(code <= 0x10ffff)) throw new Problem(`${where}: 不是有效的 XML is not well-formed XML (${whole})`);
      return String.fromCodePoint(code);
    }
    if (!(name in XML_ENTITIES)) throw new Problem(`${where}: 不是有效的 XML is not well-formed XML (an undefined entity ${whole})`);
    return XML_ENTITIES[name];
  });
}

/** An XML text's events in document order, through ``visit``: {open: local name, attrs}, {close: local name} and
    {text: character data}, each with ``path``, the local names of the open elements around it. */
function xmlWalk(xml, where, visit) {
  const text = xml.replace(/\r\n?/g, '\n');
  const stack = [];
  XML_TOKEN.lastIndex = 0;
  while (XML_TOKEN.lastIndex < text.length) {
    const at = XML_TOKEN.lastIndex;
    const match = XML_TOKEN.exec(text);
    if (!match) throw new Problem(`${where}: 不是有效的 XML is not well-formed XML (at character ${at + 1})`);
    const [, cdata, closing, qualified, attributes, empty, characters] = match;
    if (qualified !== undefined) {
      const name = qualified.split(':').pop();
      if (closing) {
        const open = stack.pop();
        if (open !== name) throw new Problem(`${where}: 不是有效的 XML is not well-formed XML (</${qualified}> closes <${open}>)`);
        visit({ close: name, path: stack });
        continue;
      }
      const attrs = {};
      for (const [, key, double, single] of (attributes || '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        if (!key.startsWith('xmlns')) attrs[key.split(':').pop()] = xmlDecode((double ?? single).replace(/[\t\n]/g, ' '), where);
      }
      visit({ open: name, attrs, path: stack });
      if (empty) visit({ close: name, path: stack });
      else stack.push(name);
    } else if (cdata !== undefined) {
      visit({ text: cdata, path: stack });
    } else if (characters !== undefined) {
      visit({ text: xmlDecode(characters, where), path: stack });
    } // a comment or a processing instruction: nothing (a DOCTYPE, which no workbook part has, is not matched)
  }
  if (stack.length) throw new Problem(`${where}: 不是有效的 XML is not well-formed XML (<${stack[stack.length - 1]}> is not closed)`);
}

/** The text of a string item (<si> or <is>): its <t> runs, not the phonetic ones (<rPh>). */
function stringCollector() {
  let parts = null;
  return {
    start() { parts = []; },
    take(event) {
      if (parts && event.text !== undefined && event.path[event.path.length - 1] === 't' && !event.path.includes('rPh')) {
        parts.push(event.text);
      }
    },
    end() { const text = parts.join(''); parts = null; return text; },
  };
}

function xlsxSharedStrings(xml, where) {
  const strings = [];
  const item = stringCollector();
  xmlWalk(xml, where, (event) => {
    if (event.open === 'si') item.start();
    else if (event.close === 'si') strings.push(item.end());
    else item.take(event);
  });
  return strings;
}

const columnName = (index) => { // 0 -> A, 25 -> Z, 26 -> AA
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
};
function columnIndex(letters) {
  let n = 0;
  for (const letter of letters) n = n * 26 + (letter.charCodeAt(0) - 64);
  return n - 1;
}

/** A worksheet's cells: 'row,column' (0-based) -> text; a Problem for a cell that is not text or holds a formula. */
function xlsxCells(xml, where, strings) {
  const cells = new Map();
  const inline = stringCollector();
  let row = -1;
  let column = -1;
  let cell = null;
  xmlWalk(xml, where, (event) => {
    if (event.open === 'row') {
      row = event.attrs.r !== undefined ? Number(event.attrs.r) - 1 : row + 1;
      column = -1;
    } else if (event.open === 'c') {
      const ref = event.attrs.r;
      const match = ref === undefined ? null : /^([A-Z]{1,3})([1-9][0-9]*)$/.exec(ref);
      if (ref !== undefined && !match) throw new Problem(`${where}: '${visible(ref)}' 不是单元格 is not a cell reference`);
      column = match ? columnIndex(match[1]) : column + 1;
      if (match) row = Number(match[2]) - 1;
      cell = { ref: `${columnName(column)}${row + 1}`, type: event.attrs.t, value: null, text: null, formula: false };
    } else if (cell && event.open === 'f') {
      cell.formula = true;
    } else if (cell && event.open === 'v') {
      cell.value = '';
    } else if (cell && event.open === 'is') {
      inline.start();
    } else if (cell && event.close === 'is') {
      cell.text = inline.end();
    } else if (cell && event.text !== undefined && event.path[event.path.length - 1] === 'v') {
      cell.value += event.text;
    } else if (cell && event.close === 'c') {
      const shown = `${where} 单元格 cell ${cell.ref}`;
      if (cell.formula) throw new Problem(`${shown} 含有公式 holds a formula (<f>): 公示工作簿的单元格一律为文本 every cell of the publication is text`);
      let text;
      if (cell.type === 's') {
        const index = cell.value === null ? NaN : Number(cell.value);
        if (!Number.isInteger(index) || index < 0 || index >= strings.length) {
          throw new Problem(`${shown}: 共享字符串 ${visible(String(cell.value))} 不存在 shared string ${visible(String(cell.value))} does not exist`);
        }
        text = strings[index];
      } else if (cell.type === 'inlineStr') {
        text = cell.text ?? '';
      } else {
        throw new Problem(`${shown} 不是文本单元格 is not a text cell (t=${cell.type === undefined ? 'absent, a number' : `'${visible(cell.type)}'`}): ` +
          '公示工作簿的单元格一律为文本 every cell of the publication is text');
      }
      const key = `${row},${column}`;
      if (cells.has(key)) throw new Problem(`${shown} 出现两次 is given twice`);
      cells.set(key, { ref: cell.ref, text });
      cell = null;
    } else {
      inline.take(event);
    }
  });
  return cells;
}

/** publication.xlsx's two sheets, by the names workbook.xml gives them, against the rebuilt tables (every cell's text,
    no more cells); the first difference as a Problem. Returns the number of cells compared. */
async function checkWorkbook(bytes, shown, tables) {
  const entries = zipEntries(bytes, shown);
  const part = async (name) => {
    const text = await zipText(bytes, entries, name, shown);
    if (text === null) throw new Problem(`${shown}: 工作簿缺少 ${name} the workbook has no ${name}`);
    return text;
  };
  const sheets = [];
  xmlWalk(await part('xl/workbook.xml'), `${shown}: xl/workbook.xml`, (event) => {
    if (event.open === 'sheet') sheets.push({ name: event.attrs.name, id: event.attrs.id });
  });
  const targets = new Map();
  let sharedPath = null;
  xmlWalk(await part('xl/_rels/workbook.xml.rels'), `${shown}: xl/_rels/workbook.xml.rels`, (event) => {
    if (event.open !== 'Relationship') return;
    const target = event.attrs.Target || '';
    const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
    targets.set(event.attrs.Id, path);
    if ((event.attrs.Type || '').endsWith('/sharedStrings')) sharedPath = path;
  });
  const names = sheets.map((sheet) => sheet.name);
  if (names.join('\n') !== PUBLIC_SHEETS.join('\n')) {
    throw new Problem(`${shown} 的工作表为 has the sheets ${names.map((name) => `'${visible(String(name))}'`).join(', ')}, ` +
      `重建为 rebuilt: ${PUBLIC_SHEETS.map((name) => `'${name}'`).join(', ')}`);
  }
  const strings = sharedPath && entries.has(sharedPath) ? xlsxSharedStrings(await part(sharedPath), `${shown}: ${sharedPath}`) : [];
  let count = 0;
  for (const [index, sheet] of sheets.entries()) {
    const path = targets.get(sheet.id);
    if (!path) throw new Problem(`${shown}: 工作表 sheet ${sheet.name} 没有对应的部件 has no part in the workbook's relationships`);
    const where = `${shown} 工作表 sheet ${sheet.name}`;
    const cells = xlsxCells(await part(path), where, strings);
    const [header, rows] = tables[index];
    const grid = [header, ...rows];
    for (const [r, line] of grid.entries()) {
      for (const [c, expected] of line.entries()) {
        const ref = `${columnName(c)}${r + 1}`;
        const found = cells.get(`${r},${c}`);
        const at = `${where} 单元格 cell ${ref}（第 ${r + 1} 行 row ${r + 1}, 列 column ${header[c]}）`;
        if (!found) throw new Problem(`${at} 缺失 is missing: 重算 recomputed '${visible(expected)}'`);
        if (found.text !== expected) {
          throw new Problem(`${at}: 重算 recomputed '${visible(expected)}', 工作簿 workbook '${visible(found.text)}'` +
            hiddenDifference(expected, found.text));
        }
        count++;
      }
    }
    if (cells.size !== grid.reduce((n, line) => n + line.length, 0)) {
      const extra = [...cells.entries()].find(([key]) => {
        const [r, c] = key.split(',').map(Number);
        return !(r < grid.length && c < grid[r].length);
      });
      throw new Problem(`${where} 单元格 cell ${extra[1].ref} 多余 is an extra cell ('${visible(extra[1].text)}'): 重建的表格没有此格 the rebuilt table has no such cell`);
    }
  }
  return count;
}

// ---- the check ----

/** The files the reviewer chose for this quarter (step 3: public/<quarter>/), name -> File; null when none. */
function publicTree(run, quarter) {
  const chosen = run.published || new Map();
  let prefix = null;
  for (const path of chosen.keys()) {
    const parts = path.split('/');
    const at = parts.lastIndexOf(quarter, parts.length - 2);
    if (at >= 0) { prefix = parts.slice(0, at + 1).join('/') + '/'; break; }
  }
  if (prefix === null) return chosen.size ? { files: null, shown: [...chosen.keys()][0].split('/')[0] } : null;
  const files = new Map();
  for (const [path, file] of chosen) if (path.startsWith(prefix)) files.set(path.slice(prefix.length), file);
  return { files, shown: prefix };
}

/** Where a published file (its bytes) first differs from the rebuilt text: firstDifference's words, of the published
    file rather than an archived one. */
function publishedDifference(shown, expected, bytes) {
  const found = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const bom = expected.startsWith(PUBLIC_BOM) && found.startsWith(PUBLIC_BOM) ? 1 : 0;
  const difference = firstDifference(shown, expected.slice(bom), found.slice(bom)) || '';
  return difference.replace(/归档/g, '公示').replace(/\barchived\b/g, 'published');
}

const publicDigest = (bytes, digest) => `${bytes.length} bytes, SHA-256 ${digest}`;

/** 'public': the public files rebuilt from the archive and its records against the latest results record's SHA-256,
    and the chosen public folder against them (make verify's 'public', verify_recomputed.public). */
async function checkPublic(run, records, ctx) {
  const results = records.filter((name) => RECORD_NAME.exec(name)[2] === 'results');
  if (!results.length) {
    run.add('public', PUBLIC_TITLE, 'NOTE', '尚无结果记录，尚未公示 no results recorded yet, so nothing is published');
    return;
  }
  const { folder } = run;
  const quarter = ctx.quarter;
  const record = `records/${results[results.length - 1]}`;
  const tree = publicTree(run, quarter);
  let format = null;
  await run.check('public', PUBLIC_TITLE, async () => {
    if (!ctx.state || !ctx.state.results || !run.passed('records')) {
      throw new Unsupported('结果记录未能重新核验（见 records），公示文件无从重建 the results records were not re-validated ' +
        '(see \'records\'), so the public files cannot be rebuilt from them');
    }
    const data = await folder.json(`${record}/results.json`);
    const raw = PUBLIC_FORMAT in data ? data[PUBLIC_FORMAT] : 1;
    format = raw === true ? 1 : raw; // Python's ==, for which true is 1
    if (!(format in PUBLIC_FILES_OF) || typeof format !== 'number') {
      throw new Problem(`${record}/results.json: 公示格式 public format ${visible(JSON.stringify(raw))} 本版本未知 is unknown to this version of zhanhe-audit`);
    }
    const manifest = await folder.json(`${record}/manifest.json`);
    const head = format >= 2 && manifest.previous ? manifest.previous.sha256 : '';
    const names = await publicNames(ctx);
    const { rows, tasks } = publicRows(ctx, names, latestAfter(ctx.state, []));
    const rebuilt = new Map([
      ['publication.csv', publicCsv(PUBLIC_RESULTS_HEADER, rows, format)],
      ['publication.html', publicPage(quarter, ctx.params.demo || Boolean(QUARTER.exec(quarter)[1]), rows, tasks, head)],
      ['tasks.csv', publicCsv(PUBLIC_TASKS_HEADER, tasks, format)],
    ]);
    const prefix = `public/${quarter}/`;
    const expectedFiles = PUBLIC_FILES_OF[format];
    const listed = data.public && typeof data.public === 'object' && !Array.isArray(data.public) ? data.public : {};
    const problems = [];
    const wrongList = sorted(new Set([...Object.keys(listed), ...expectedFiles.map((n) => prefix + n)]))
      .filter((name) => !(name in listed) || !expectedFiles.includes(name.slice(prefix.length)) || !name.startsWith(prefix));
    if (wrongList.length) {
      problems.push(`${wrongList.map(visible).join(', ')}: ${record}/results.json 所列公示文件与格式 ${format} 不符 the public files ` +
        `${record}/results.json lists are not those of public format ${format} (${expectedFiles.join(', ')})`);
    }
    const digests = new Map();
    for (const [name, text] of rebuilt) digests.set(name, [encoder.encode(text), await sha256(encoder.encode(text))]);
    const published = new Map();
    if (tree && tree.files) {
      for (const [name, file] of tree.files) {
        if (!name.includes('/')) published.set(name, new Uint8Array(await file.arrayBuffer()));
      }
    }
    for (const [name, [bytes, digest]] of digests) {
      const expected = listed[prefix + name];
      if (expected === undefined || digest === expected) continue;
      const found = published.get(name);
      const where = found && (await sha256(found)) === expected
        ? `; ${publishedDifference(prefix + name, rebuilt.get(name), found)}` : '';
      problems.push(`${prefix}${name}: 由归档重建的文件与 ${record}/results.json 所记 SHA-256 不符 rebuilt from the archive, not what ` +
        `${record}/results.json lists (rebuilt: ${publicDigest(bytes, digest)}; listed: ${visible(String(expected))})${where}`);
    }
    let cells = 0;
    const differences = [];
    if (tree && tree.files) {
      const entries = new Set([...tree.files.keys()].map((n) => n.split('/')[0])); // a folder's files: its name
      for (const name of sorted(new Set([...expectedFiles, ...entries]))) {
        const folderEntry = entries.has(name) && !tree.files.has(name);
        if (!expectedFiles.includes(name)) { differences.push(`extra   ${name}${folderEntry ? '/' : ''}`); continue; }
        if (folderEntry) { differences.push(`changed ${name}: a folder, not a file`); continue; }
        if (!published.has(name)) { differences.push(`missing ${name}`); continue; }
        const found = published.get(name);
        const digest = await sha256(found);
        if (name === PUBLIC_XLSX) {
          const expected = listed[prefix + name];
          if (expected !== undefined && digest !== expected) {
            differences.push(`changed ${name}: ${publicDigest(found, digest)}; expected SHA-256 ${visible(String(expected))} ` +
              `(${record}/results.json)`);
          }
          try {
            cells = await checkWorkbook(found, prefix + name, [[PUBLIC_RESULTS_HEADER, rows], [PUBLIC_TASKS_HEADER, tasks]]);
          } catch (error) {
            if (!(error instanceof Problem)) throw error;
            differences.push(error.message);
          }
          continue;
        }
        const [bytes, mine] = digests.get(name);
        if (digest !== mine) {
          differences.push(`changed ${name}: ${publicDigest(found, digest)}; expected ${publicDigest(bytes, mine)}; ` +
            publishedDifference(prefix + name, rebuilt.get(name), found));
        }
      }
      if (differences.length) {
        problems.push(`公示文件夹 the published tree ${visible(tree.shown)} 与重建的文件不同 differs: ${differences.join('; ')}`);
      }
    }
    if (problems.length) throw new Problem(problems.join('; '));
    const rebuiltNames = [...rebuilt.keys()].join(', ');
    const intro = `${rebuilt.size} 个公示文件（${rebuiltNames}，格式 ${format}）由归档及其记录重建，逐字节重算，SHA-256 与 ${record}/results.json 所记一致 ` +
      `${rebuilt.size} public files (${rebuiltNames}, public format ${format}) rebuilt from the archive and its records match ` +
      `${record}/results.json`;
    if (tree && tree.files) {
      return ['PASS', `${intro}; 公示文件夹 ${visible(tree.shown)} 与之逐字节一致 the published tree ${visible(tree.shown)} is identical` +
        (format >= 2 ? `; ${PUBLIC_XLSX} 的 SHA-256 与记录一致，${cells} 个单元格均为文本且与重建的表格相同 its SHA-256 matches the record, ` +
          `and each of its ${cells} cells is text, equal to the rebuilt tables` : '')];
    }
    return ['PASS', `${intro}; 公示文件夹本身未比对（未选择，见 public tree）the published tree itself was not compared (the public ` +
      'folder was not chosen: see \'public tree\')'];
  });
  if (!tree || !tree.files) {
    const xlsx = format === null || format >= 2 ? `；${PUBLIC_XLSX} 不在此重建，其 SHA-256 需要该文件 ${PUBLIC_XLSX} is not rebuilt here, ` +
      'and its SHA-256 in results.json needs the file itself' : '';
    const why = tree ? `所选公示文件夹 ${visible(tree.shown)} 中没有 ${quarter}/ the chosen public folder holds no folder ${quarter}/: ` +
      `选择 public/${quarter}/ choose public/${quarter}/` : `未选择公示文件夹 the reviewer did not choose the public folder (public/${quarter}/)`;
    run.add('public tree', PUBLIC_TREE_TITLE, 'NOT CHECKED', `${why}: 公示文件夹本身未与重建的文件比对 the published tree itself ` +
      `was not compared with the rebuilt files${xlsx}`);
  }
}
