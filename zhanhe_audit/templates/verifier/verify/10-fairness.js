// ---- fairness/*.csv, recomputed (notebook 04-compliance through zhanhe_audit/fairness.py) ----
// balance.csv: per grade, chi-square goodness of fit of the sample against the eligible population over home
// units and main categories; inclusion.csv: the Monte Carlo of inclusion counts over 1000 fixed seeds;
// timeline.csv: the freeze, the seed and their commits in time order. The files' formats are
// zhanhe_audit/evidence/files.py (BALANCE_CSV, INCLUSION_CSV, TIMELINE_CSV).
// This file's constants stay here (tests run it alone), compared with the package's by
// tests/verifier/test_verify_page_constants.py.
const FAIRNESS_BALANCE = 'fairness/balance.csv';
const FAIRNESS_INCLUSION = 'fairness/inclusion.csv';
const FAIRNESS_TIMELINE = 'fairness/timeline.csv';
const BALANCE_COLUMNS = ['grade', 'attribute', 'categories', 'statistic', 'dof', 'p_value', 'note'];
const INCLUSION_COLUMNS = ['task_id', 'grade', 'eligible', 'followed', 'n', 'seeds', 'min_count', 'max_count',
  'statistic', 'p_value'];
const TIMELINE_COLUMNS = ['event', 'when', 'source', 'in_order'];
const BALANCE_ATTRIBUTES = ['unit', 'category']; // fairness.ATTRIBUTES
const MIN_EXPECTED = 5; // fairness.MIN_EXPECTED: the usual rule for a chi-square approximation
const MERGED_CATEGORY = '其他（合并）'; // fairness.MERGED
const NO_TAG = '（无标签）'; // fairness.main_of of an entity without tags
const FOLLOW = 1000; // fairness.FOLLOW: the entities the Monte Carlo follows per stratum
const MONTE_CARLO_SEEDS = 1000; // notebook 04-compliance's monte_carlo_seeds, as make draw runs it
// The files hold round(value, 6) written as '{:.6f}'; a value recomputed here may round the other way at the
// sixth decimal (floating point summed in another order), so a float cell passes within one unit of it.
const FAIRNESS_TOLERANCE = 1e-6;
const SIX_DECIMALS = /^-?\d+\.\d{6}$/;
const GIT_ORDER_FILE = 'draw/git-order.json';

/** Every fairness file recomputed and compared. An archive drawn without the notebooks (by the engine alone) has
 * neither notebooks/ nor fairness/, and nothing to recompute; one with notebooks/ must hold all three files. */
async function checkFairness(run, ctx, progress) {
  const { folder } = run;
  const paths = [...folder.files.keys()];
  if (!paths.some((path) => path.startsWith('fairness/') || path.startsWith('notebooks/'))) {
    run.add('fairness', '公平性证据 fairness', 'PASS', '本归档没有 fairness/（仅由抽取引擎生成，未运行第四步笔记本），无需重算 ' +
      'this archive has no fairness/ (drawn by the engine alone, without notebook 04-compliance): nothing to recompute');
    return;
  }
  progress(0.9, '重算公平性证据 recomputing the fairness evidence');
  await run.check('balance', '均衡性检验 balance', () => checkBalance(run, ctx));
  const box = document.getElementById('monte-carlo');
  await run.check('inclusion', '入样概率（蒙特卡洛）inclusion', () => checkInclusion(run, ctx, Boolean(box && box.checked),
    (share, text) => progress(0.9 + 0.09 * share, text)));
  await run.check('timeline', '时间顺序 timeline', () => checkTimeline(run, ctx));
}

// ---- comparing a recomputed table with the archived file ----

/** Python's '{:.6f}'.format(round(value, 6)) (the same digits but where the exact value is a tie). */
const sixDecimals = (value) => (value === null ? '' : value.toFixed(6));

/** A float cell recomputed: compared within FAIRNESS_TOLERANCE. */
const floatCell = (value) => ({ float: value });
/** A cell not recomputed (the Monte Carlo's, when the reviewer did not choose it): the archived text stands. */
const SKIPPED = { skipped: true };

/** The recomputed rows as the file's text, where each float cell within the tolerance of the archived one takes
 * the archived text: then firstDifference (exact text) names the first real difference, and every other byte
 * (text cells, quoting, line ends) is compared exactly. ``tally`` counts the float cells identical and close. */
function tableText(columns, rows, archivedText, tally) {
  let archived;
  try { archived = parseCsv(archivedText).slice(1); } catch (error) { archived = []; }
  const cells = rows.map((row, i) => row.map((cell, k) => {
    const found = (archived[i] || [])[k];
    if (cell === SKIPPED) return found === undefined ? '' : found;
    if (cell === null || typeof cell !== 'object') return cell;
    if (cell.float === null) return '';
    const text = sixDecimals(cell.float);
    if (found === text) { tally.identical++; return text; }
    if (found !== undefined && SIX_DECIMALS.test(found) &&
      Math.abs(Number(found) - cell.float) <= FAIRNESS_TOLERANCE * (1 + 1e-9)) {
      tally.close++;
      return found;
    }
    return text;
  }));
  return csvText(columns, cells);
}

async function compareTable(run, path, columns, rows) {
  if (!run.folder.has(path)) throw new Problem(`${path} 缺失 is missing: 本归档由笔记本生成，应有此文件 the archive was drawn with its notebooks, which write it`);
  const found = await run.folder.text(path);
  archiveRows(found, columns, path); // the header and the number of fields of every row
  const tally = { identical: 0, close: 0 };
  const difference = firstDifference(path, tableText(columns, rows, found, tally), found);
  if (difference) throw new Problem(difference);
  return tally;
}

const tallyText = (tally) => `${tally.identical + tally.close} 个数值${tally.close ? `（其中 ${tally.close} 个相差不超过 1e-6）` : ''}，` +
  `按 1e-6 的容差比较（文件保留六位小数）float cells compared within 1e-6, one unit of the file's sixth decimal ` +
  `(${tally.identical} identical as text${tally.close ? `, ${tally.close} within 1e-6` : ''})`;

// ---- numbers as Python, numpy and scipy compute them ----

/** sum() of floats as the archive's Python computed it: in order before 3.12, compensated (Neumaier) since. */
function pythonSum(values, compensated) {
  if (!values.length) return 0;
  let sum = values[0];
  let c = 0;
  for (let i = 1; i < values.length; i++) {
    const x = values[i];
    const t = sum + x;
    if (compensated) c += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  return compensated && c && Number.isFinite(c) ? sum + c : sum;
}
const compensatedSum = (pythonVersion) => {
  const [major, minor] = String(pythonVersion || '').split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 12);
};

/** numpy's sum of a float64 array (pairwise summation: blocks of 8 accumulators up to 128 values). */
function numpySum(values, from = 0, to = values.length) {
  const n = to - from;
  if (n < 8) {
    let sum = -0;
    for (let i = from; i < to; i++) sum += values[i];
    return sum;
  }
  if (n <= 128) {
    const r = values.slice(from, from + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += values[from + i + j];
    let sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) sum += values[from + i];
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return numpySum(values, from, from + half) + numpySum(values, from + half, to);
}

/** Stirling's series of ln Γ(x) − ((x − ½) ln x − x + ½ ln 2π), for x ≥ 10 (error under 1e-16 there). */
function stirlingSeries(x) {
  const r = 1 / x;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 / 156))))));
}

/** ln Γ(x), x > 0: Stirling's series, after shifting x up to 10. */
function lnGamma(x) {
  let product = 1;
  while (x < 10) { product *= x; x += 1; }
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + stirlingSeries(x) - Math.log(product);
}

/** ln(x^a e^−x / Γ(a)), the factor in front of both of gammaQ's expansions. From a = 10 on it is written as
 * a·ln(1 + d/a) − d + ½ ln a − ½ ln 2π − series(a) with d = x − a: the terms of size a·ln x cancel exactly
 * instead of in floating point (which would lose about 1e-11 at a = 10,000). */
function gammaFront(a, x) {
  if (a < 10) return a * Math.log(x) - x - lnGamma(a);
  const d = x - a;
  return a * Math.log1p(d / a) - d + 0.5 * Math.log(a) - 0.5 * Math.log(2 * Math.PI) - stirlingSeries(a);
}

/** The regularized upper incomplete gamma function Q(a, x) (Numerical Recipes' gammq): the series of P for
 * x < a + 1, Lentz's continued fraction of Q otherwise, each to double precision. */
function gammaQ(a, x) {
  if (!(a > 0) || !(x >= 0)) throw new Error(`gammaQ(${a}, ${x}) is undefined`);
  if (x === 0) return 1;
  const front = Math.exp(gammaFront(a, x));
  if (x < a + 1) {
    let denominator = a;
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000000; n++) {
      denominator += 1;
      term *= x / denominator;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) return 1 - sum * front;
    }
  } else {
    const tiny = 1e-300;
    let b = x + 1 - a;
    let c = 1 / tiny;
    let d = 1 / b;
    let h = d;
    for (let i = 1; i < 10000000; i++) {
      const an = -i * (i - a);
      b += 2;
      d = an * d + b;
      if (Math.abs(d) < tiny) d = tiny;
      c = b + an / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      const delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) <= Number.EPSILON) return front * h;
    }
  }
  throw new Error(`gammaQ(${a}, ${x}) did not converge`);
}

/** scipy.stats.chi2.sf(x, df): the chi-square survival function, Q(df/2, x/2). */
const chiSquareSf = (x, df) => gammaQ(df / 2, x / 2);

/** The double nearest num/den (BigInts, num ≥ 0, den > 0), ties to even, as Python's float(Fraction). */
function ratioToNumber(num, den) {
  if (num === 0n) return 0;
  const shift = Math.max(0, 64 + den.toString(2).length - num.toString(2).length); // a quotient of 64 bits or more
  const scaled = num << BigInt(shift);
  let quotient = scaled / den;
  if (scaled % den) quotient |= 1n; // sticky: an inexact quotient never looks like a tie
  return Number(quotient) / 2 ** shift;
}

// ---- balance.csv (fairness.balances) ----

async function checkBalance(run, ctx) {
  const { tickets, registers } = ctx;
  if (!tickets || !registers) {
    throw new Unsupported('签号或名录未能重算，均衡性无从重算 the tickets or the registers were not recomputed, so the balance cannot be');
  }
  const manifest = await run.folder.json('manifest.json');
  const rows = balanceRows(tickets, registers, compensatedSum((manifest.environment || {}).python));
  const tally = await compareTable(run, FAIRNESS_BALANCE, BALANCE_COLUMNS, rows);
  const tested = rows.filter((row) => row[5].float !== null).length;
  return ['PASS', `${rows.length} 项检验由签号与名录重算（${tested} 项卡方拟合优度检验，期望数小于 ${MIN_EXPECTED} 的类合并），` +
    `文字逐字一致；${tallyText(tally)}。${rows.length} tests recomputed from the tickets and the registers (per grade, home ` +
    `unit and main category; ${tested} chi-square goodness-of-fit tests, categories of expected count under ${MIN_EXPECTED} ` +
    `merged), text cells identical, identical to ${FAIRNESS_BALANCE}`];
}

/** The rows of balance.csv: per grade, over home units and main categories (an entity's rarest tag). */
function balanceRows(tickets, registers, compensated) {
  const entities = new Map(registers.entities.map((entity) => [entity.uscc, entity]));
  const tagCounts = new Map();
  for (const entity of registers.entities) for (const tag of entity.tags) tagCounts.set(tag, (tagCounts.get(tag) || 0) + 1);
  const mainCategory = (tags) => { // fairness.main_of: fewest entities carry it; ties by the tag's text
    let best = null;
    for (const tag of tags) {
      const count = tagCounts.get(tag);
      if (best === null || count < tagCounts.get(best) || (count === tagCounts.get(best) && compare(tag, best) < 0)) best = tag;
    }
    return best === null ? NO_TAG : best;
  };
  const named = new Map();
  const nameOf = (uscc) => {
    if (!named.has(uscc)) {
      const entity = entities.get(uscc);
      if (!entity) throw new Problem(`draw/tickets.csv: ${uscc} 不在名录中 is not in the entities register`);
      named.set(uscc, { unit: entity.unit, category: mainCategory(entity.tags) });
    }
    return named.get(uscc);
  };
  const all = [...tickets.strata.values()].flat();
  const rows = [];
  for (const grade of GRADES) {
    const ofGrade = all.filter((ticket) => ticket.grade === grade);
    for (const attribute of BALANCE_ATTRIBUTES) {
      const population = new Map();
      const sample = new Map();
      for (const ticket of ofGrade) {
        const name = nameOf(ticket.uscc)[attribute];
        population.set(name, (population.get(name) || 0) + 1);
        if (ticket.selected) sample.set(name, (sample.get(name) || 0) + 1);
      }
      rows.push(balanceTest(grade, attribute, population, sample, compensated));
    }
  }
  return rows;
}

/** One row of balance.csv (fairness._balance and balance_row). */
function balanceTest(grade, attribute, population, sample, compensated) {
  let n = 0;
  for (const count of sample.values()) n += count;
  let total = 0;
  for (const count of population.values()) total += count;
  const table = [...population].map(([name, size]) => [name, size, sample.get(name) || 0, (n * size) / total]);
  const none = (note) => [grade, attribute, population.size, floatCell(null), '', floatCell(null), note];
  if (n < 10 || population.size < 2) return none(`样本 ${n} 户，过小，不做检验 (sample too small to test)`);
  const merged = mergeSmall(table, compensated);
  if (merged.length < 2 || merged.some((row) => row[3] < MIN_EXPECTED)) return none('各类期望数过小，不做检验 (expected counts too small)');
  // scipy.stats.chisquare(observed, expected): numpy's sum of the terms, then chi2.sf with k - 1 degrees of freedom
  const statistic = numpySum(merged.map((row) => { const d = row[2] - row[3]; return (d * d) / row[3]; }));
  const p = chiSquareSf(statistic, merged.length - 1);
  const note = `卡方拟合优度检验 chi-square goodness of fit, ${merged.length} 类` +
    (merged.length < table.length ? `（期望数小于 ${MIN_EXPECTED} 的类已合并）` : '');
  return [grade, attribute, population.size, floatCell(statistic), merged.length - 1, floatCell(p), note];
}

/** fairness._merge_small: every category of expected count under 5 merged into one, grown with the next
 * smallest categories until it reaches 5 too (rows: [name, population, sample, expected]). */
function mergeSmall(rows, compensated) {
  const ordered = [...rows].sort((x, y) => (x[3] !== y[3] ? y[3] - x[3] : compare(x[0], y[0])));
  const big = ordered.filter((row) => row[3] >= MIN_EXPECTED);
  const small = ordered.filter((row) => row[3] < MIN_EXPECTED);
  if (!small.length) return big;
  let merged = [MERGED_CATEGORY, small.reduce((s, r) => s + r[1], 0), small.reduce((s, r) => s + r[2], 0),
    pythonSum(small.map((r) => r[3]), compensated)];
  while (merged[3] < MIN_EXPECTED && big.length) {
    const row = big.pop();
    merged = [MERGED_CATEGORY, merged[1] + row[1], merged[2] + row[2], merged[3] + row[3]];
  }
  return [...big, merged];
}

// ---- inclusion.csv (fairness.strata_of, followed_of, inclusion, inclusion_row) ----

/** fairness.monte_carlo_seed: the Monte Carlo's fixed seeds (not the quarter's). */
const monteCarloSeed = (index) => `Monte Carlo ${String(index).padStart(5, '0')} 00000000000000000000`;

/** The strata the Monte Carlo simulates, from the summary: one larger than FOLLOW on a fixed subset of FOLLOW
 * of its entities, drawing its share round(FOLLOW · n / N) (half up, exactly), at least 1. */
function inclusionStrata(tickets) {
  const strata = [];
  for (const [task, grade, eligible, , , quota] of tickets.summary) {
    if (!eligible) continue;
    const followed = Math.min(eligible, FOLLOW);
    const n = followed === eligible ? quota
      : Math.max(1, Number((2n * BigInt(followed) * BigInt(quota) + BigInt(eligible)) / (2n * BigInt(eligible))));
    strata.push({ task, grade, eligible, followed, n, members: tickets.strata.get(`${task}\n${grade}`) });
  }
  return strata;
}

async function checkInclusion(run, ctx, chosen, progress) {
  const { tickets } = ctx;
  if (!tickets) throw new Unsupported('签号未能重算，入样概率无从重算 the tickets were not recomputed, so the inclusion test cannot be');
  const strata = inclusionStrata(tickets);
  const draws = strata.reduce((sum, s) => sum + s.followed, 0) * MONTE_CARLO_SEEDS;
  const cheap = (s) => [s.task, s.grade, s.eligible, s.followed, s.n, MONTE_CARLO_SEEDS];
  const rows = strata.map((s) => [...cheap(s), SKIPPED, SKIPPED, SKIPPED, SKIPPED]);
  await compareTable(run, FAIRNESS_INCLUSION, INCLUSION_COLUMNS, rows); // the cheap columns, always
  if (!chosen) {
    const seconds = Math.max(1, Math.round(draws / await sha256Rate()));
    throw new Unsupported(`${strata.length} 层的 task_id、grade、eligible、followed、n、seeds 已重算，逐字一致；` +
      `min_count、max_count、statistic、p_value 未重算：核验者未勾选“也重算蒙特卡洛”（${draws} 次 SHA-256，在本机约 ${seconds} 秒）。` +
      ` task_id, grade, eligible, followed, n and seeds of ${strata.length} strata recomputed, identical; min_count, ` +
      `max_count, statistic and p_value not recomputed: the reviewer did not tick 'Also recompute the Monte Carlo' ` +
      `(${draws} SHA-256, about ${seconds} s on this computer)`);
  }
  const began = performance.now();
  progress(0, '蒙特卡洛：选出模拟对象 Monte Carlo: the entities followed');
  const followed = await followedOf(strata);
  await sha256SelfTest(strata, followed);
  let done = 0;
  let tally = { identical: 0, close: 0 };
  for (const [index, stratum] of strata.entries()) {
    const counts = await inclusionCounts(stratum, followed[index], (seeds) => {
      const share = (done + seeds * stratum.followed) / draws;
      progress(share, `蒙特卡洛 Monte Carlo: ${stratum.task} ${stratum.grade}, ${Math.round(share * 100)}%`);
    });
    done += MONTE_CARLO_SEEDS * stratum.followed;
    const [statistic, p] = uniformity(stratum, counts);
    rows[index] = [...cheap(stratum), Math.min(...counts), Math.max(...counts), floatCell(statistic), floatCell(p)];
    tally = await compareTable(run, FAIRNESS_INCLUSION, INCLUSION_COLUMNS, rows); // a difference fails at once
  }
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  return ['PASS', `${strata.length} 层的蒙特卡洛由 ${MONTE_CARLO_SEEDS} 个固定种子重算（${draws} 次 SHA-256，${seconds} 秒）：` +
    `模拟对象数、n、入样次数的最小值与最大值逐字一致；${tallyText(tally)}。 The Monte Carlo of ${strata.length} strata ` +
    `recomputed over ${MONTE_CARLO_SEEDS} fixed seeds (${draws} SHA-256 in ${seconds} s; the entities followed chosen by ` +
    `SHA-256 of "monte carlo ⏎ USCC"): followed, n, min_count and max_count identical, the uniformity test's statistic ` +
    `and p_value within 1e-6, to ${FAIRNESS_INCLUSION}`];
}

/** fairness.followed_of: per stratum, its FOLLOW entities of the smallest SHA-256 of "monte carlo ⏎ USCC" (ties by
 * the row's place in tickets.csv), or all of them; in USCC order. */
async function followedOf(strata) {
  const usccs = [...new Set(strata.flatMap((s) => (s.members.length > FOLLOW ? s.members.map((t) => t.uscc) : [])))];
  const digests = await hashAll(usccs.map((uscc) => `monte carlo\n${uscc}`));
  const key = new Map(usccs.map((uscc, i) => [uscc, digests[i]]));
  return strata.map((s) => {
    if (s.members.length <= FOLLOW) return sorted(s.members.map((t) => t.uscc));
    const ranked = s.members.map((t, place) => [key.get(t.uscc), place, t.uscc])
      .sort((x, y) => compare(x[0], y[0]) || x[1] - y[1]);
    return sorted(ranked.slice(0, FOLLOW).map((entry) => entry[2]));
  });
}

/** How many of the MONTE_CARLO_SEEDS draws (formulas.order: by ticket, then USCC; the first n) include each entity. */
async function inclusionCounts(stratum, usccs, progress) {
  const m = usccs.length;
  const suffixes = usccs.map((uscc) => encoder.encode(uscc));
  const digests = new Int32Array(8 * m);
  const counts = new Array(m).fill(0);
  const keys = new Float64Array(m);
  let scale = 1; // each key: the ticket's first 32 bits, then the entity's place (exact below 2^53)
  while (scale < m) scale *= 2;
  let paused = performance.now();
  for (let seed = 0; seed < MONTE_CARLO_SEEDS; seed++) {
    const hash = prefixSha256(encoder.encode(`${monteCarloSeed(seed)}\n${stratum.task}\n`));
    for (let k = 0; k < m; k++) hash(suffixes[k], digests, 8 * k);
    if (stratum.n >= m) {
      for (let k = 0; k < m; k++) counts[k]++;
    } else if (stratum.n > 0) {
      for (let k = 0; k < m; k++) keys[k] = (digests[8 * k] >>> 0) * scale + k;
      keys.sort();
      const n = stratum.n;
      if (scale <= 2 ** 21 && Math.floor(keys[n - 1] / scale) !== Math.floor(keys[n] / scale)) {
        for (let i = 0; i < n; i++) counts[keys[i] % scale]++;
      } else { // the n-th and the next share their first 32 bits (or the keys would not be exact): the whole order
        const order = [...Array(m).keys()].sort((x, y) => {
          for (let w = 0; w < 8; w++) {
            const a = digests[8 * x + w] >>> 0;
            const b = digests[8 * y + w] >>> 0;
            if (a !== b) return a < b ? -1 : 1;
          }
          return compare(usccs[x], usccs[y]);
        });
        for (let i = 0; i < n; i++) counts[order[i]]++;
      }
    }
    if (performance.now() - paused > 100) { // let the page draw its progress bar
      progress(seed + 1);
      await pause();
      paused = performance.now();
    }
  }
  return counts;
}

/** fairness._uniformity: Σ (c − S·p)² / (S·p·(1 − p)) in exact rationals (as Python's Fraction), then chi2.sf
 * with m − 1 degrees of freedom; none for fewer than two entities, p = 0 or p = 1. */
function uniformity(stratum, counts) {
  const m = BigInt(counts.length);
  const n = BigInt(stratum.n);
  const seeds = BigInt(MONTE_CARLO_SEEDS);
  if (counts.length < 2 || n === 0n || n === m) return [null, null];
  let top = 0n; // Σ (m·c − S·n)², over S·n·(m − n)
  for (const c of counts) {
    const d = m * BigInt(c) - seeds * n;
    top += d * d;
  }
  const statistic = ratioToNumber(top, seeds * n * (m - n));
  return [statistic, chiSquareSf(statistic, counts.length - 1)];
}

/** A macrotask's pause (a message to itself, which background tabs do not throttle as they do timers). */
const pause = () => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
  channel.port2.postMessage(null);
});

// ---- SHA-256 in plain JavaScript, for the Monte Carlo ----
// The Monte Carlo hashes about 8 million tickets for the demo quarter. WebCrypto's digest() answers each message
// with a promise of its own: about 50,000 digests a second in headless Chromium (2026), so 2.5 minutes for the
// demo. This plain implementation of FIPS 180-4 hashes each (seed, task) prefix's whole blocks once and runs at
// about 700,000 a second (12 s). It is checked against WebCrypto on known values before every Monte Carlo
// (sha256SelfTest), and the rest of the page keeps to WebCrypto.
const SHA_K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
const SHA_H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const SHA_W = new Int32Array(64);

/** One 64-byte block of ``bytes`` at ``at`` compressed into ``state`` (eight 32-bit words). */
function sha256Block(state, bytes, at) {
  const w = SHA_W;
  for (let t = 0; t < 16; t++) {
    const i = at + 4 * t;
    w[t] = (bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    w[t] = (w[t - 16] + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w[t - 7] +
      (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
  }
  let a = state[0]; let b = state[1]; let c = state[2]; let d = state[3];
  let e = state[4]; let f = state[5]; let g = state[6]; let h = state[7];
  for (let t = 0; t < 64; t++) {
    const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) +
      SHA_K[t] + w[t]) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0; state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0; state[5] = (state[5] + f) | 0; state[6] = (state[6] + g) | 0; state[7] = (state[7] + h) | 0;
}

/** SHA-256 of prefix + suffix for many suffixes: the prefix's whole blocks compressed once. The function writes the
 * digest of prefix + ``suffix`` (bytes) as eight signed 32-bit words (big-endian) into ``out`` at ``at``. */
function prefixSha256(prefix) {
  const whole = prefix.length - (prefix.length % 64);
  const middle = new Int32Array(SHA_H0);
  for (let at = 0; at < whole; at += 64) sha256Block(middle, prefix, at);
  const rest = prefix.subarray(whole);
  const state = new Int32Array(8);
  let buffer = new Uint8Array(128);
  return (suffix, out, at) => {
    const length = rest.length + suffix.length;
    const end = 64 * Math.ceil((length + 9) / 64);
    if (buffer.length < end) buffer = new Uint8Array(end);
    buffer.fill(0, 0, end);
    buffer.set(rest, 0);
    buffer.set(suffix, rest.length);
    buffer[length] = 0x80;
    const bits = (prefix.length + suffix.length) * 8; // under 2^53
    const high = Math.floor(bits / 2 ** 32);
    const low = bits % 2 ** 32;
    for (let i = 0; i < 4; i++) {
      buffer[end - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
      buffer[end - 4 + i] = (low >>> (24 - 8 * i)) & 0xff;
    }
    state.set(middle);
    for (let block = 0; block < end; block += 64) sha256Block(state, buffer, block);
    out.set(state, at);
  };
}

/** This SHA-256 against WebCrypto's: messages of 0 to 200 bytes split at every length class, and the first ticket of
 * every stratum of the Monte Carlo. A difference is this page's fault, never the archive's. */
async function sha256SelfTest(strata, followed) {
  const cases = [];
  for (const length of [0, 1, 3, 31, 55, 56, 57, 63, 64, 65, 72, 73, 119, 120, 127, 128, 129, 200]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) % 256);
    for (const cut of new Set([0, Math.floor(length / 2), Math.min(length, 64), length])) cases.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  }
  cases.push([encoder.encode('种子 seed ✓\n'), encoder.encode('𠀀 beyond the BMP')]);
  strata.forEach((s, i) => cases.push([encoder.encode(`${monteCarloSeed(0)}\n${s.task}\n`), encoder.encode(followed[i][0])]));
  const out = new Int32Array(8);
  for (const [prefix, suffix] of cases) {
    prefixSha256(prefix)(suffix, out, 0);
    const whole = new Uint8Array(prefix.length + suffix.length);
    whole.set(prefix);
    whole.set(suffix, prefix.length);
    const expected = new DataView(await crypto.subtle.digest('SHA-256', whole));
    for (let w = 0; w < 8; w++) {
      if (expected.getInt32(4 * w) !== out[w]) {
        throw new Error(`本页面的 SHA-256 与浏览器的 WebCrypto 不一致 this page's SHA-256 differs from the browser's WebCrypto ` +
          `on a message of ${whole.length} bytes`);
      }
    }
  }
}

/** Tickets this browser hashes a second with prefixSha256: the Monte Carlo's loop run for 0.1 s after 0.1 s of
 * warming up (the first thousands of calls run before the JavaScript engine has optimised them). */
async function sha256Rate() {
  const hash = prefixSha256(encoder.encode(`${monteCarloSeed(0)}\ndemo-2026Q4-T01\n`));
  const suffix = encoder.encode('91410411MA00000000');
  const out = new Int32Array(8);
  const spin = (milliseconds) => {
    const began = performance.now();
    let count = 0;
    while (performance.now() - began < milliseconds) {
      for (let i = 0; i < 1000; i++) hash(suffix, out, 0);
      count += 1000;
    }
    return count / ((performance.now() - began) / 1000);
  };
  spin(100);
  await pause();
  return spin(100);
}

// ---- timeline.csv (fairness.timeline and timeline_rows) ----

async function checkTimeline(run, ctx) {
  const { folder } = run;
  const { quarter, params } = ctx;
  const freezePath = `inputs/params/${quarter}.freeze.json`;
  const freeze = await folder.json(freezePath);
  const order = folder.has(GIT_ORDER_FILE) ? await folder.json(GIT_ORDER_FILE) : null; // gitorder.Order.to_json
  const commit = (key) => {
    const found = order && order[key];
    if (!found) return null;
    for (const field of ['commit', 'time', 'author']) {
      if (typeof found[field] !== 'string') throw new Problem(`${GIT_ORDER_FILE}: ${key}.${field} 不是文字 is not text`);
    }
    return found;
  };
  const freezeCommit = commit('freeze_commit');
  const seedCommit = commit('seed_commit');
  const date = (params.provenance || {}).date;
  const events = [['名录冻结 registers frozen', pyStr(freeze.frozen_at), 'inputs/params/<quarter>.freeze.json']];
  if (freezeCommit) {
    events.push([`冻结记录提交 freeze committed (${freezeCommit.commit.slice(0, 10)}, ${freezeCommit.author})`, freezeCommit.time,
      GIT_ORDER_FILE]);
  }
  events.push(['种子产生 seed produced', date === undefined || date === null ? '' : pyStr(date), 'inputs/params/<quarter>.yaml']);
  if (seedCommit) {
    events.push([`种子提交 seed committed (${seedCommit.commit.slice(0, 10)}, ${seedCommit.author})`, seedCommit.time, GIT_ORDER_FILE]);
  }
  const problems = [];
  const points = (text) => Array.from(text); // Python slices by code point
  events.forEach((earlier, index) => { // every pair: a date-only entry must not mask two times
    for (const later of events.slice(index + 1)) {
      const width = Math.min(points(earlier[1]).length, points(later[1]).length, 19);
      if (compare(points(earlier[1]).slice(0, width).join(''), points(later[1]).slice(0, width).join('')) > 0) {
        problems.push(`${earlier[0]} (${earlier[1]}) 晚于 ${later[0]} (${later[1]})`);
      }
    }
  });
  const rows = events.map((event) => [...event, problems.length ? 'no' : 'yes']);
  if (!folder.has(FAIRNESS_TIMELINE)) {
    throw new Problem(`${FAIRNESS_TIMELINE} 缺失 is missing: 本归档由笔记本生成，应有此文件 the archive was drawn with its notebooks, which write it`);
  }
  const difference = firstDifference(FAIRNESS_TIMELINE, csvText(TIMELINE_COLUMNS, rows), await folder.text(FAIRNESS_TIMELINE));
  if (difference) throw new Problem(difference);
  const source = `${freezePath} 的 frozen_at、参数中种子的 provenance.date${order ? `、${GIT_ORDER_FILE}` : ''}`;
  return ['PASS', `${rows.length} 个事件由 ${source} 重算，逐字节一致` +
    (problems.length ? `；但其记录的顺序不对 but it records them OUT OF ORDER: ${problems.join('; ')}` : '，顺序正确 in order') +
    `. ${rows.length} events recomputed from the freeze record's frozen_at, the seed's provenance date` +
    (order ? ` and ${GIT_ORDER_FILE}` : ` (no ${GIT_ORDER_FILE} in this archive: no commit events)`) +
    `, identical byte for byte to ${FAIRNESS_TIMELINE}`];
}
