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
