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
    values: Object.fromEntries(Object.entries(data.values || {}).map(([register, columns]) => [register,
      Object.fromEntries(Object.entries(columns || {}).map(([column, mapping]) => [column,
        Object.fromEntries(Object.entries(mapping || {}).map(([raw, value]) => [strip(pyStr(raw)), strip(pyStr(value))]))]))])),
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
