// ---- results records (records/NNNN-results/), re-validated as make verify does (results.recompute) ----
// Every archived row is checked again, as a filled form's row is, against the archive and the records before
// it; its deadline and the record it supersedes are derived again; results.json and results.csv are then
// written again and compared byte for byte. The public files' SHA-256 (results.json 'public') are copied, as
// results.recompute copies them: the public files themselves are outside the archive.

// The years the chinesecalendar package knows (its holidays and make-up working days), put here when the page
// is built (verify_page.py); later years come from the record's own calendar/<year>.yaml copies.
const CHINESE_CALENDAR = /* @CHINESE_CALENDAR@ */ null;
const DEADLINE_WORKING_DAYS = CONSTANTS.deadline_working_days; // Zhanhe plan, section 三(一)1 (calendar.py)
// findings.py: the standard result categories, dispositions and follow-up statuses
const RESULT_CATEGORIES = CONSTANTS.result_categories;
const NOT_PROBLEMS = new Set(CONSTANTS.not_problems);
const DISPOSITIONS = CONSTANTS.dispositions;
const [NONE_NEEDED, CASE_FILED, TRANSFER] = [CONSTANTS.none_needed, CONSTANTS.case_filed, CONSTANTS.transfer];
const FOLLOW_UP_STATUSES = CONSTANTS.follow_up_statuses;
const [PENDING, CLOSED] = [CONSTANTS.pending, CONSTANTS.closed];
const RESULTS_COLUMNS = CSV_COLUMNS['results.csv'];
const RESULTS_FIELDS = ['quarter', 'protocol', 'as_of', 'source', 'rows', 'superseded', 'open_findings',
  'overdue_publications', 'calendar_files', 'public'];
const PUBLIC_FORMAT = 'public_format'; // results.json's last field: absent for the public files' format 1, as written before it
const RESULTS_RECORD_FILES = ['results.json', 'results.csv', 'notebooks/05-results.ipynb', 'html/05-results.html'];
// results.FILLED: the columns staff fill (a row with none of them but the inspectors is not a result yet)
const FILLED_COLUMNS = ['start', 'end', 'categories', 'findings', 'disposition', 'receiving_department', 'status',
  'published', 'penalty_number', 'penalty_date', 'abnormal_list'];
const CERT_SEPARATORS = new RegExp(`[;；、,，${SPACE}]+`); // results.SEPARATORS
const CATEGORY_SEPARATORS = /[;；\n]+/;

// ---- days, as whole numbers of days since 1970-01-01 (no time zone, no clock) ----
function dayOf(year, month, day) {
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  if (t.getUTCFullYear() !== year || t.getUTCMonth() !== month - 1 || t.getUTCDate() !== day) return null;
  return Math.round(t.getTime() / 86400000);
}
function isoDay(n) {
  const t = new Date(n * 86400000);
  return `${String(t.getUTCFullYear()).padStart(4, '0')}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-` +
    String(t.getUTCDate()).padStart(2, '0');
}
const yearOfDay = (n) => new Date(n * 86400000).getUTCFullYear();
const weekdayOf = (n) => (((n + 3) % 7) + 7) % 7; // Python's date.weekday(): Monday 0 (1970-01-01 was a Thursday)

/** Python's date.fromisoformat for the forms an archive can hold (YYYY-MM-DD, YYYYMMDD); null if not one. */
function fromIsoDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) || /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  return match ? dayOf(Number(match[1]), Number(match[2]), Number(match[3])) : null;
}

// registers.cells.parse_date, as results.seed_date reads the seed's date: strptime's patterns of cells.DATE_FORMATS
// (%Y, %m and %d as strptime reads them: one or two digits, or a space and one), then a serial day
const STRPTIME = { '%Y': '(\\d{4})', '%m': '(1[0-2]|0[1-9]|[1-9])', '%d': '(3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])' };
const COMPACT_FORMAT = '%Y%m%d'; // read only for exactly 8 digits (cells.COMPACT_DATE)
const DATE_PATTERNS = CONSTANTS.date_formats.map((format) => [format, new RegExp('^' + format.split(/(%[Ymd])/)
  .map((piece) => STRPTIME[piece] || piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('') + '$')]);
function parseDate(raw) {
  for (const [format, pattern] of DATE_PATTERNS) {
    if (format === COMPACT_FORMAT && !/^[0-9]{8}$/.test(raw)) continue;
    const match = pattern.exec(raw);
    const day = match ? dayOf(Number(match[1]), Number(match[2]), Number(match[3].trim())) : null;
    if (day !== null) return day;
  }
  if (/^[0-9]{5}$/.test(raw)) { // Excel's serial day number (1900 date system), 1990 to 2099 only
    const day = dayOf(1899, 12, 30) + Number(raw);
    const year = yearOfDay(day);
    return year >= 1990 && year < 2100 ? day : null;
  }
  return null;
}
/** Python's repr() of a YAML value, as calendar.read_year names one. */
const pyRepr = (value) => (typeof value === 'string' ? `'${value}'` : pyText(value));
/** Python's str() of a JSON value, as seed_date reads the provenance's date (its first 10 characters). */
const pyText = (value) => (value === undefined ? '' : value === null ? 'None' : typeof value === 'boolean'
  ? (value ? 'True' : 'False') : typeof value === 'string' ? value : typeof value === 'number' ? String(value)
    : JSON.stringify(value));
const seedDay = (draw) => parseDate(Array.from(pyText((draw.seed_provenance || {}).date)).slice(0, 10).join(''));

// ---- the official working-day calendar (calendar.py) ----
/** Python's truth value of a YAML value, as ``value or default`` tests it: None, False, 0, '', [] and {} are false. */
const pyFalsy = (value) => value === undefined || value === null || value === false || value === 0 || value === '' ||
  (typeof value === 'object' && (Array.isArray(value) ? !value.length : !Object.keys(value).length));
/** A YAML mapping (Python's isinstance(value, dict)). */
const isMapping = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
/** ``data.get(key)``: null (Python's None) for a key that is not there. */
const pyGet = (data, key) => (Object.prototype.hasOwnProperty.call(data, key) ? data[key] : null);
/** What Python's ``for value in data`` goes through: a list's items, a string's characters, a mapping's keys. */
const pyItems = (value) => (Array.isArray(value) ? value : isMapping(value) ? Object.keys(value) : [...pyText(value)]);
const CALENDAR_KEYS = ['year', 'source', 'holidays', 'workdays']; // a year file's, and its previous_year's
const PACKAGE = 'the chinesecalendar package'; // as calendar.Calendar names it

class WorkingDays {
  /** ``texts``: the record's calendar/<year>.yaml copies, '<year>' -> text; ``listed``: the copies its
   * results.json lists (calendar_files); ``base``: the record, as shown. */
  constructor(texts, listed, base) {
    this.texts = texts;
    this.listed = listed;
    this.base = base;
    this.years = new Map();
    const data = CHINESE_CALENDAR || { first: 0, last: -1, holidays: [], workdays: [] };
    this.known = data;
    this.holidays = new Set(data.holidays);
    this.workdays = new Set(data.workdays);
  }
  shown(year) { return `${this.base}/calendar/${year}.yaml`; }
  /** Whether the chinesecalendar package built into the page knows ``year`` (calendar._package is not None). */
  packageKnows(year) { return year >= this.known.first && year <= this.known.last; }
  /** calendar.read_year: the year's file, validated (its previous_year too), or null when the record holds none. */
  yearFile(year) {
    if (this.years.has(year)) return this.years.get(year);
    const text = this.texts.get(String(year));
    const shown = this.shown(year);
    let found = null;
    if (text !== undefined) {
      const problems = [];
      const problem = (key, message) => problems.push(`${shown}: key '${key}': ${message}`);
      const data = loadYaml(text, shown);
      if (!isMapping(data)) {
        throw new Problem(`${shown}: 不是日历 expected a mapping with year, source, holidays and workdays`);
      }
      const own = pyGet(data, 'year');
      if (!Number.isInteger(own) || String(own) !== String(year)) {
        problem('year', `${pyRepr(own)}: expected ${year}, the year in the file's name`);
      }
      if (!strip(pyFalsy(data.source) ? '' : pyText(data.source))) problem('source', 'missing: name the State Council notice the dates come from');
      const days = WorkingDays.days(data, own, '', problem);
      const previous = pyGet(data, 'previous_year');
      let earlier = { holidays: new Set(), workdays: new Set() };
      if (previous !== null) {
        if (!isMapping(previous)) {
          problem('previous_year', 'expected a mapping with year, source, holidays and workdays');
        } else {
          const unknown = sorted(Object.keys(previous).filter((key) => !CALENDAR_KEYS.includes(key)));
          if (unknown.length) problem('previous_year', `unknown key(s) ${unknown.join(', ')}`);
          const expected = year - 1;
          const stated = pyGet(previous, 'year');
          if (stated !== expected || typeof stated === 'boolean') {
            problem('previous_year.year', `${pyRepr(stated)}: expected ${expected}, the year before the file's`);
          }
          if (!strip(pyFalsy(previous.source) ? '' : pyText(previous.source))) {
            problem('previous_year.source', 'missing: name the notice the days come from');
          }
          earlier = WorkingDays.days(previous, expected, 'previous_year.', problem);
        }
      }
      if (problems.length) throw new Problem(`日历文件无效 the calendar file is not valid: ${problems.join('; ')}`);
      found = { holidays: days.holidays, workdays: days.workdays, previousHolidays: earlier.holidays,
        previousWorkdays: earlier.workdays };
    }
    this.years.set(year, found);
    return found;
  }
  /** calendar._days: ``data``'s holidays and workdays, dates of ``year``, none in both, make-up days on a weekend. */
  static days(data, year, prefix, problem) {
    const days = {};
    for (const key of ['holidays', 'workdays']) {
      days[key] = new Set();
      pyItems(pyFalsy(data[key]) ? [] : data[key]).forEach((value, index) => {
        const day = fromIsoDate(pyText(value));
        if (day === null) { problem(`${prefix}${key}[${index}]`, `${pyRepr(value)} is not a date; write it as '2027-01-01' in quotes`); return; }
        if (yearOfDay(day) !== year) problem(`${prefix}${key}[${index}]`, `${isoDay(day)} is not in ${pyText(year)}`);
        days[key].add(day);
      });
    }
    for (const day of [...days.workdays].sort((a, b) => a - b)) {
      if (days.holidays.has(day)) problem(`${prefix}workdays`, `${isoDay(day)} is also listed as a holiday`);
    }
    for (const day of [...days.workdays].sort((a, b) => a - b)) {
      if (weekdayOf(day) < 5) problem(`${prefix}workdays`, `${isoDay(day)} is a weekday; make-up working days fall on a Saturday or Sunday`);
    }
    return days;
  }
  /** calendar.Calendar.is_workday: as the day's own year's data has it, or, where that does not list the day, as the
   * next year's previous_year does; the two listing it otherwise contradict each other, and the day is refused. */
  isWorkday(day) {
    const [own, listed, shown] = this.own(day);
    const later = this.later(day);
    if (later === null) return own;
    const [working, where] = later;
    if (listed && own !== working) {
      const as = (workday) => (workday ? 'working day' : 'day off');
      throw new Problem(`两份日历相互矛盾 ${where}: key 'previous_year': ${isoDay(day)} is a ${as(working)} there, but ` +
        `${shown} has it as a ${as(own)}; the two calendars contradict each other. Check both against the State ` +
        "Council's notices and correct the wrong one");
    }
    return listed ? own : working;
  }
  /** calendar.Calendar._own: [working day, listed there rather than by the weekday rule, where]. */
  own(day) {
    const year = yearOfDay(day);
    if (this.packageKnows(year)) {
      const iso = isoDay(day);
      return [this.workdays.has(iso) || (weekdayOf(day) <= 4 && !this.holidays.has(iso)),
        this.workdays.has(iso) || this.holidays.has(iso), PACKAGE];
    }
    const found = this.yearFile(year);
    if (!found) {
      const uncovered = `没有工作日历覆盖 ${year} 年 no working-day calendar covers ${year} (needed for ${isoDay(day)}): ` +
        `the chinesecalendar package (${this.known.package || 'not built into this page'}, ${this.known.first}–${this.known.last}) ` +
        `knows only its years, and ${this.base}/calendar/${year}.yaml is not in the record`;
      if (this.listed.includes(`calendar/${year}.yaml`) || year <= this.known.last) {
        throw new Problem(`${uncovered}${this.listed.includes(`calendar/${year}.yaml`) ? ', though its results.json lists it' : ''}; ` +
          'deadlines are never counted on weekends alone');
      }
      // A year after this page's calendar data, which the record neither holds nor lists: it was counted with a later
      // chinesecalendar than the one this page was built with (or altered); a page built later, or make verify, knows.
      throw new Unsupported(`${uncovered}, nor does its results.json list it: 记录所用的 chinesecalendar 可能比本页面内置的新 ` +
        `the record was counted with a chinesecalendar later than this page's, or it was altered; make verify, or the page ` +
        'of a later version (zhanhe-audit verifier-page OUT.html), checks it');
    }
    const shown = this.shown(year);
    if (found.workdays.has(day)) return [true, true, shown];
    return [weekdayOf(day) < 5 && !found.holidays.has(day), found.holidays.has(day), shown];
  }
  /** calendar.Calendar._later: [working day, where] as the next year's file's previous_year lists the day, or null;
   * not consulted when the package knows the next year (it has that year's days of the year before). */
  later(day) {
    const next = yearOfDay(day) + 1;
    if (this.packageKnows(next)) return null;
    const found = this.yearFile(next);
    if (!found) return null;
    if (found.previousWorkdays.has(day)) return [true, this.shown(next)];
    if (found.previousHolidays.has(day)) return [false, this.shown(next)];
    return null;
  }
  /** The last day to publish a result of an inspection that ended on ``end``: the 20th working day after it. */
  deadline(end) {
    let day = end;
    for (let count = DEADLINE_WORKING_DAYS; count;) {
      day += 1;
      if (this.isWorkday(day)) count--;
    }
    return day;
  }
}

// ---- one row, as results.check_row checks it ----
const isProblem = (result) => result.categories.some((c) => !NOT_PROBLEMS.has(c));
const isOpen = (result) => isProblem(result) && result.status !== CLOSED;
const isOverdue = (result, asOf) => (result.published !== null ? result.published > result.deadline : asOf > result.deadline);
const optionalIso = (day) => (day === null ? '' : isoDay(day));

/** An archived result as the cells of a filled form (results.cells_of), so that it is checked by the same rules. */
const cellsOf = (r) => ({
  visit: r.visit, uscc: r.uscc, item: r.item, start: isoDay(r.start), end: isoDay(r.end), inspectors: r.inspectors.join('；'),
  categories: r.categories.join('；'), findings: r.findings, disposition: r.disposition,
  receiving_department: r.receiving_department, status: r.status, published: optionalIso(r.published),
  penalty_number: r.penalty_number, penalty_date: optionalIso(r.penalty_date), abnormal_list: r.abnormal_list ? '是' : '否',
});
const resultRow = (r) => [r.visit, r.uscc, r.item, r.department, isoDay(r.start), isoDay(r.end), joined(r.inspectors),
  joined(r.categories), r.findings, r.disposition, r.receiving_department, r.status, optionalIso(r.published),
  r.penalty_number, optionalIso(r.penalty_date), r.abnormal_list ? 'true' : 'false', isoDay(r.deadline), r.supersedes];

/** A Problem's text as make verify prints it (errors.Problem), with the page's Chinese before the English. */
function rowProblem(file, row, column, message) {
  return `${file}` + (row === null ? '' : ` 第 ${row} 行 row ${row}`) + (column === null ? '' : `, 列 column '${column}'`) + `: ${message}`;
}

function checkResultRow(number, cells, context, shownAs, problems) {
  const before = problems.length;
  const problem = (column, message) => problems.push(rowProblem(shownAs, number, column, message));
  const { quarter, visits } = context;
  const visit = visits.get(cells.visit);
  if (!visit) {
    problem('visit', `不是本季度现有的检查 '${cells.visit}' is not a current visit of ${quarter} (draw/visits.csv with its ` +
      'replacement records); copy the row from the results form');
  } else if (cells.uscc !== visit.uscc) {
    problem('uscc', `检查对象不符 visit ${visit.visit} is of entity ${visit.uscc}, not '${cells.uscc}'`);
  } else if (!visit.items.includes(cells.item)) {
    problem('item', `不是该次检查的事项 visit ${visit.visit} has the items ${visit.items.join(', ')}, not '${cells.item}'`);
  }
  const date = (column, required) => { // results._date (cells_of writes ISO dates, or nothing for an optional one)
    const text = cells[column];
    if (!text) {
      if (required) problem(column, '日期为空 is blank; a date is required, e.g. 2026-12-01');
      return null;
    }
    const found = parseDate(text);
    if (found === null) problem(column, `不是日期 '${text}' is not a date; expected e.g. 2026-12-01 or 2026年12月1日`);
    return found;
  };
  const start = date('start', true);
  const end = date('end', true);
  const published = date('published', false);
  const penaltyDate = date('penalty_date', false);
  if (start !== null && end !== null && end < start) problem('end', `结束早于开始 ${isoDay(end)} is before the start date ${isoDay(start)}`);
  if (start !== null && context.drawn !== null && start < context.drawn) {
    problem('start', `早于抽签 ${isoDay(start)} is before the draw: the seed of ${quarter} was fixed on ${isoDay(context.drawn)}`);
  }
  for (const [column, day] of [['end', end], ['published', published], ['penalty_date', penaltyDate]]) {
    if (day !== null && day > context.asOf) problem(column, `晚于截至日期 ${isoDay(day)} is after the as-of date ${isoDay(context.asOf)}`);
  }
  if (penaltyDate !== null && start !== null && penaltyDate < start) {
    problem('penalty_date', `处罚早于检查 ${isoDay(penaltyDate)} is before the inspection started (${isoDay(start)})`);
  }
  if (published !== null && end !== null && published < end) {
    problem('published', `公示早于检查结束 ${isoDay(published)} is before the inspection ended (${isoDay(end)}): a result is published after it`);
  }
  const inspectors = cells.inspectors.split(CERT_SEPARATORS).filter(Boolean);
  if (visit) {
    const strangers = inspectors.filter((cert) => !visit.inspectors.includes(cert));
    if (strangers.length) {
      problem('inspectors', `未被抽派到此次检查 ${strangers.join(', ')} was not assigned to visit ${visit.visit} (assigned: ` +
        `${visit.inspectors.join(', ')}); only drawn inspectors inspect`);
    } else if (new Set(inspectors).size < 2) {
      problem('inspectors', '执法人员不少于两人 at least two inspectors inspect (执法人员不少于两人); list their certificate numbers');
    }
  }
  const categories = cells.categories.split(CATEGORY_SEPARATORS).map(strip).filter(Boolean);
  if (!categories.length) problem('categories', '结果类别为空 is blank; choose one or more of the standard result categories');
  for (const category of categories.filter((c) => !RESULT_CATEGORIES.includes(c))) {
    problem('categories', `不是标准结果类别 '${category}' is not a standard result category; expected one of ${RESULT_CATEGORIES.join('、')}`);
  }
  const problemsFound = categories.some((c) => RESULT_CATEGORIES.includes(c) && !NOT_PROBLEMS.has(c));
  const disposition = cells.disposition || (problemsFound ? '' : NONE_NEEDED);
  if (!DISPOSITIONS.includes(disposition)) {
    problem('disposition', disposition ? `不是处置方式 '${disposition}' is not a disposition; expected ${DISPOSITIONS.join('、')}`
      : '发现问题而无处置 is blank, but a problem was found: every problem gets a disposition (后续处置无例外): 责令改正, 立案查处 or 移交');
  } else if (problemsFound && disposition === NONE_NEEDED) {
    problem('disposition', `发现问题而无处置 ${NONE_NEEDED} for a problem: every problem gets a disposition (后续处置无例外)`);
  }
  const receiving = cells.receiving_department;
  if (disposition === TRANSFER && !receiving) {
    problem('receiving_department', '移交未写明接收部门 is blank: 移交 names the department the matter goes to (谁审批、谁监管，谁主管、谁监管)');
  } else if (receiving && disposition !== TRANSFER) {
    problem('receiving_department', `处置不是移交 names '${receiving}', but the disposition is not ${TRANSFER}`);
  } else if (receiving && !context.known.includes(receiving)) {
    problem('receiving_department', `不是名录中的部门 '${receiving}' is not a department of the registers; expected one of ${context.known.join('、')}`);
  }
  const status = cells.status || (problemsFound ? PENDING : '');
  if (status && !FOLLOW_UP_STATUSES.includes(status)) {
    problem('status', `不是处置进展 '${status}' is not a follow-up status; expected ${FOLLOW_UP_STATUSES.join('、')}`);
  } else if (status && !problemsFound) {
    problem('status', '未发现问题却有处置进展 a follow-up status is only for a problem found');
  }
  if (cells.penalty_number && (disposition !== CASE_FILED || penaltyDate === null)) {
    problem('penalty_number', `处罚决定需立案查处及处罚决定日期 a penalty decision needs the disposition ${CASE_FILED} and its date (处罚决定日期)`);
  }
  if (penaltyDate !== null && !cells.penalty_number) {
    problem('penalty_date', '处罚决定日期需有处罚决定书文号 a penalty date needs the decision number (处罚决定书文号)');
  }
  const flag = cells.abnormal_list.toLowerCase();
  if (flag && !TRUE_WORDS.has(flag) && !FALSE_WORDS.has(flag)) problem('abnormal_list', `'${cells.abnormal_list}': expected 是 or 否`);
  if (problems.length > before || !visit || start === null || end === null) return null;
  const item = context.items.get(cells.item);
  if (!item) throw new Problem(rowProblem(shownAs, number, 'item', `事项不在事项清单 item ${cells.item} is not in the items register`));
  let deadline;
  try { deadline = context.calendar.deadline(end); } catch (error) {
    if (error instanceof Problem) throw new Problem(rowProblem(shownAs, number, 'end', `${isoDay(end)}: ${error.message}`));
    if (error instanceof Unsupported) throw new Unsupported(rowProblem(shownAs, number, 'end', `${isoDay(end)}: ${error.message}`));
    throw error;
  }
  return { visit: visit.visit, uscc: visit.uscc, item: item.id, department: item.department, start, end, inspectors,
    categories, findings: cells.findings, disposition, receiving_department: receiving, status, published,
    penalty_number: cells.penalty_number, penalty_date: penaltyDate, abnormal_list: TRUE_WORDS.has(flag), deadline, supersedes: '' };
}

/** results.check: every row checked in the file's order; a Problem listing every problem found. */
function checkResultRows(rows, context, shownAs) {
  if (context.state.asOf !== null && context.asOf < context.state.asOf) {
    throw new Problem(`${shownAs}: 截至日期早于已记录的结果 as of ${isoDay(context.asOf)}, earlier than the results recorded ` +
      `already (as of ${isoDay(context.state.asOf)}): results go forward in time`);
  }
  const problems = [];
  const found = [];
  const first = new Map();
  for (const [number, cells] of rows) {
    if (!FILLED_COLUMNS.some((column) => cells[column])) continue;
    const key = `${cells.visit}\n${cells.item}`;
    if (first.has(key)) {
      problems.push(rowProblem(shownAs, number, 'item', `同一检查同一事项重复 visit ${cells.visit}, item ${cells.item} is also at ` +
        `row ${first.get(key)}: one result per (visit, item) in a file`));
      continue;
    }
    first.set(key, number);
    const result = checkResultRow(number, cells, context, shownAs, problems);
    if (result) {
      const earlier = context.state.results.get(key);
      found.push({ ...result, supersedes: earlier ? earlier[0] : '' });
    }
  }
  if (problems.length) {
    throw new Problem(`${problems.length} 处问题 ${problems.length === 1 ? 'problem' : 'problems'} found: ` +
      problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (+${problems.length - 5})` : ''));
  }
  if (!found.length) throw new Problem(`${shownAs}: 没有填写的行 no row is filled in: nothing to record`);
  return found;
}

/** results.latest_after: the latest result of every (visit, item) once ``results`` are recorded, in visit and item order. */
function latestAfter(state, results) {
  const after = new Map(state.results);
  for (const r of results) after.set(`${r.visit}\n${r.item}`, ['', r]);
  return [...after.values()].map(([, r]) => r).sort((a, b) => compareTuples([a.visit, a.item], [b.visit, b.item]));
}

/** An archived results.csv as results (evidence.files.RESULTS_CSV). */
function readResults(text, shown) {
  return archiveRows(text, RESULTS_COLUMNS, shown).map((row, index) => {
    const at = (message) => new Problem(`${shown}, row ${index + 2}: ${message}`);
    const day = (column, optional) => {
      if (optional && row[column] === '') return null;
      const found = fromIsoDate(row[column]);
      if (found === null) throw at(`不是日期 Invalid isoformat string: '${row[column]}' (column ${column})`);
      return found;
    };
    if (!['true', 'false'].includes(row.abnormal_list)) throw at(`'${row.abnormal_list}' is not true or false`);
    return { visit: row.visit, uscc: row.uscc, item: row.item, department: row.department, start: day('start'),
      end: day('end'), inspectors: split(row.inspectors), categories: split(row.categories), findings: row.findings,
      disposition: row.disposition, receiving_department: row.receiving_department, status: row.status,
      published: day('published', true), penalty_number: row.penalty_number, penalty_date: day('penalty_date', true),
      abnormal_list: row.abnormal_list === 'true', deadline: day('deadline'), supersedes: row.supersedes };
  });
}

/**
 * One results record re-validated after the records before it (``ctx.state``), as make verify's 'records'
 * check does; a Problem naming the record, the row and the column when it does not verify. On success the
 * state holds its rows as the latest results of their (visit, item).
 */
async function checkResultsRecord(ctx, name) {
  const { folder } = ctx.run;
  const { quarter, state } = ctx;
  const shown = `records/${name}`;
  const base = `${shown}/`;
  if (!state.results) { state.results = new Map(); state.asOf = null; }
  const manifest = await folder.json(base + 'manifest.json');
  const listed = Object.keys(manifest.files || {});
  const files = new Set(RESULTS_RECORD_FILES.map((file) => base + file));
  for (const path of listed) if (path.startsWith(base + 'calendar/') || path.startsWith(base + 'form/')) files.add(path);
  if (manifest.kind !== 'results' || manifest.quarter !== quarter || listed.length !== files.size || listed.some((p) => !files.has(p))) {
    throw new Problem(`${base}manifest.json 不是本季度结果记录的清单 is not the manifest of a results record of ${quarter} ` +
      `listing exactly ${sorted(files).join(', ')}`);
  }
  const cannot = (message) => new Problem(`${shown} 无法由归档输入及此前的记录重算 cannot be recomputed from the archived ` +
    `inputs and the records before it: ${message}`);
  const calendars = new Map();
  for (const path of folder.files.keys()) {
    const match = /^records\/[^/]+\/calendar\/([^/]+)\.yaml$/.exec(path);
    if (match && path.startsWith(base)) calendars.set(match[1], await folder.text(path));
  }
  let results;
  let data;
  let asOf;
  try {
    data = await folder.json(base + 'results.json');
    const keys = data && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data) : [];
    if (RESULTS_FIELDS.some((k) => !keys.includes(k)) || keys.some((k) => !RESULTS_FIELDS.includes(k) && k !== PUBLIC_FORMAT)) {
      throw new Problem(`${base}results.json 不是结果记录 is not a results record (its keys are ${keys.join(', ')}; expected ` +
        `${RESULTS_FIELDS.join(', ')} and optionally ${PUBLIC_FORMAT})`);
    }
    asOf = typeof data.as_of === 'string' ? fromIsoDate(data.as_of) : null;
    if (asOf === null) throw new Problem(`${base}results.json 不是结果记录 is not a results record (as_of '${data.as_of}' is not a date)`);
    const forms = listed.filter((path) => path.startsWith(base + 'form/'));
    if (forms.length > 1) throw cannot(`${base}form/ 只应保存一份结果表 keeps one form, not ${forms.length}`);
    for (const path of forms) { // the filled form itself (records made since it was kept): the one results.json names
      const digest = await sha256(await folder.bytes(path));
      if (path !== `${base}form/${data.source.name}` || digest !== data.source.sha256) {
        throw cannot(`${visible(path)} 不是 results.json 所记的结果表 is not the form results.json names (${visible(String(data.source.name))}, SHA-256 ${data.source.sha256})`);
      }
    }
    const rows = readResults(await folder.text(base + 'results.csv'), base + 'results.csv');
    const { registers } = ctx;
    const context = {
      quarter,
      state,
      asOf,
      drawn: seedDay(ctx.draw),
      calendar: new WorkingDays(calendars, Array.isArray(data.calendar_files) ? data.calendar_files : [], shown),
      items: registers.items,
      known: sorted(new Set([...[...registers.items.values()].map((i) => i.department),
        ...[...registers.inspectors.values()].map((i) => i.department)])),
      visits: new Map(state.visits.map((v) => [v.visit, { visit: v.visit, uscc: v.uscc, items: split(v.items),
        inspectors: split(v.inspectors) }])),
    };
    results = checkResultRows(rows.map((row, index) => [index + 2, cellsOf(row)]), context, base + 'results.csv');
  } catch (error) {
    if (error instanceof Problem) throw cannot(error.message);
    throw error;
  }
  const final = latestAfter(state, results);
  const record = {
    quarter,
    protocol: ctx.draw.protocol,
    as_of: isoDay(asOf),
    source: data.source,
    rows: results.length,
    superseded: results.filter((r) => r.supersedes).length,
    open_findings: final.filter(isOpen).length,
    overdue_publications: final.filter((r) => isOverdue(r, asOf)).length,
    calendar_files: data.calendar_files,
    public: data.public,
  };
  // ResultsRecord.to_json: the format written only when it is not 1 (Python's ==, for which true is 1 too)
  const format = PUBLIC_FORMAT in data ? data[PUBLIC_FORMAT] : 1;
  if (format !== 1 && format !== true) record[PUBLIC_FORMAT] = format;
  for (const [file, text] of [['results.json', recordJson(record)], ['results.csv', csvText(RESULTS_COLUMNS, results.map(resultRow))]]) {
    const difference = firstDifference(base + file, text, await folder.text(base + file));
    if (difference) {
      throw new Problem(`${base}${file} 与由归档输入及此前的记录重算的结果不符 differs from the record recomputed from the ` +
        `archived inputs and the records before it: ${difference}`);
    }
  }
  for (const r of results) state.results.set(`${r.visit}\n${r.item}`, [shown, r]);
  state.asOf = asOf;
}

/** What the 'records' check says of the results records it re-validated ('' when there is none). */
function resultsRecordsPassed(records) {
  const count = records.filter((n) => n.endsWith('-results')).length;
  return count ? `；${count} 条结果记录逐行重新核验（检查、主体、事项、检查人员、日期、结果类别、处置、移交、进展、处罚、` +
    `期限按官方工作日历、被取代的记录），results.json 与 results.csv 逐字节一致 ${count} results record(s) re-validated row by row ` +
    '(visit, entity, item, inspectors, dates, categories, disposition, transfer, status, penalty, the deadline on the official ' +
    'working-day calendar, the record superseded): results.json and results.csv identical byte for byte' : '';
}

/** After the records: the follow-up facts of the quarter (make verify's 'follow-up' NOTE), from the results re-validated. */
async function checkResults(run, records, ctx) {
  const state = ctx.state;
  if (!records.some((n) => n.endsWith('-results')) || !run.passed('records') || !state || !state.results) return;
  const current = latestAfter(state, []);
  const asOf = state.asOf;
  const open = current.filter(isOpen).length;
  const overdue = current.filter((r) => isOverdue(r, asOf)).length;
  run.add('follow-up', '后续处置 follow-up', 'NOTE', `截至 ${isoDay(asOf)}：${current.length} 条结果，${open} 个问题未办结，` +
    `${overdue} 条逾期公示（20 个工作日）；这是本季度的事实，不是核验失败 as of ${isoDay(asOf)}: ${current.length} results, ` +
    `${open} open finding(s) (a problem not closed), ${overdue} publication(s) overdue (20 working days); facts about the ` +
    'quarter, not a failure of verification');
}
