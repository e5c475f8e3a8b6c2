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
const VISITS_COLUMNS = CSV_COLUMNS['draw/visits.csv'];
const TICKETS_COLUMNS = CSV_COLUMNS['draw/tickets.csv'];
const SUMMARY_COLUMNS = CSV_COLUMNS['draw/summary.csv'];
const CAP_COLUMNS = CSV_COLUMNS['draw/cap_exceptions.csv'];
const LOAD_COLUMNS = CSV_COLUMNS['draw/inspector_load.csv'];
const HISTORY_COLUMNS = CSV_COLUMNS['inputs/history.csv'];
const POPULATIONS_COLUMNS = CSV_COLUMNS['draw/populations.csv'];
const EXCLUDED_COLUMNS = CSV_COLUMNS['draw/excluded.csv'];
const MATCH_COLUMNS = CSV_COLUMNS['draw/match.csv'];
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
