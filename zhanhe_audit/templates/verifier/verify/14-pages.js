// ---- the figures the pages state (report.html, html/*.html), against this page's recomputation ----
// The pages mark what they state with data-fact (report.fact); make verify renders every page again and compares
// its bytes, which a browser cannot do: this page checks the stated figures.

/** The seed as one single-quoted shell word, as the pages' hand checks write it (draw_page._shell). */
const shellWord = (text) => `'${text.split("'").join("'\\''")}'`;

/** What each fact must read, from the files this page has recomputed or checked. */
async function expectedFacts(run, ctx) {
  const { folder } = run;
  const visits = archiveRows(await folder.text('draw/visits.csv'), VISITS_COLUMNS, 'draw/visits.csv');
  const exceptions = folder.has('draw/cap_exceptions.csv')
    ? archiveRows(await folder.text('draw/cap_exceptions.csv'), CAP_COLUMNS, 'draw/cap_exceptions.csv') : [];
  const order = folder.has('draw/git-order.json') ? await folder.json('draw/git-order.json') : null;
  const facts = {
    seed: visible(ctx.params.seed),
    'seed-shell': visible(shellWord(ctx.params.seed)),
    tasks: String(ctx.params.tasks.length),
    selected: String(ctx.tickets.summary.reduce((sum, row) => sum + row[6], 0)),
    visits: String(visits.length),
    mismatches: '0', // what the pages' own re-checks must find in an archive that verifies
    'rule-breaches': '0',
    'cap-exceptions': String(exceptions.length),
  };
  if (order && order.proved) {
    facts['freeze-commit'] = order.freeze_commit.commit.slice(0, 10);
    facts['seed-commit'] = order.seed_commit.commit.slice(0, 10);
  } else if (order) {
    facts['order-reason'] = visible(order.reason);
  }
  return facts;
}

// The facts each page must state (a page whose marks were removed states nothing to check).
const REQUIRED_FACTS = {
  'report.html': ['seed', 'seed-shell', 'tasks', 'selected', 'visits', 'mismatches', 'rule-breaches', 'cap-exceptions'],
  'html/01-draw.html': ['seed', 'seed-shell'],
  'html/02-match.html': ['mismatches'],
};
const ORDER_FACTS = ['report.html', 'html/04-compliance.html']; // they state the commits, or why there are none

/** 'pages': every figure a page marks reads what this page recomputed. */
async function checkPages(run, ctx) {
  const pages = [...run.folder.files.keys()].filter((path) => path === 'report.html' || /^(records\/[^/]+\/)?html\/[^/]+\.html$/.test(path));
  if (!pages.length) {
    run.add('pages', '网页所载数字 pages', 'PASS', '本档案不含网页 no pages in this archive: drawn without its notebooks');
    return;
  }
  await run.check('pages', '网页所载数字 pages', async () => {
    if (!ctx.params || !ctx.tickets) throw new Unsupported('抽签未能重算，网页所载数字无从核对 the draw was not recomputed, so the pages\' figures cannot be checked');
    const facts = await expectedFacts(run, ctx);
    const parser = new DOMParser();
    let count = 0;
    for (const path of sorted(pages)) {
      const page = parser.parseFromString(await run.folder.text(path), 'text/html'); // parsed only: nothing runs
      const stated = [...page.querySelectorAll('[data-fact]')];
      const names = new Set(stated.map((element) => element.dataset.fact));
      const required = [...(REQUIRED_FACTS[path] || []), ...(ORDER_FACTS.includes(path)
        ? (facts['order-reason'] !== undefined ? ['order-reason'] : ['freeze-commit', 'seed-commit']) : [])];
      const missing = required.filter((name) => facts[name] !== undefined && !names.has(name));
      if (missing.length) {
        throw new Problem(`${path} 未载明 does not state ${missing.join(', ')}: 网页被改动 the page was changed`);
      }
      for (const element of stated) {
        const name = element.dataset.fact;
        if (!(name in facts)) throw new Problem(`${path}: 未知的数字 an unknown figure '${visible(name)}': 网页被改动 the page was changed`);
        const shown = element.textContent;
        if (shown !== facts[name]) {
          throw new Problem(`${path}: ${name} 载为 reads '${visible(shown)}'，重算为 recomputed '${facts[name]}'` +
            hiddenDifference(facts[name], shown));
        }
        count++;
      }
    }
    return ['PASS', `${pages.length} 个网页所载 ${count} 处数字（种子、任务数、抽中数、检查数、复核结果、提交）与重算一致 ` +
      `the ${count} figures ${pages.length} pages state (seed, tasks, selected, visits, re-checks, commits) match the ` +
      'recomputation; make verify renders every page again and compares its bytes'];
  });
}
