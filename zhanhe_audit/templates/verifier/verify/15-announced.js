// ---- what is announced, and compared (protocol v1, "Clarifications of v1"; announced.py) ----

/** 'seed': the seed holds no character that cannot be seen, so the seed shown is the seed drawn with. */
async function checkSeedText(run, seed) {
  await run.check('seed', '种子字符 seed', async () => {
    const hidden = [...seed].map((char, index) => [index + 1, char]).filter(([, char]) => isHidden(char));
    if (hidden.length) {
      throw new Problem('种子含有看不见的字符 the seed holds characters that cannot be seen (protocol v1, \'Clarifications of v1\'): ' +
        hidden.map(([at, char]) => `${codePoint(char)} at character ${at}`).join('; ') + `; 显示为 shown with them made visible: ${visible(seed)}`);
    }
    return ['PASS', `'${seed}'：每个字符均可见 every character can be seen (no control, format or other white space character)`];
  });
}

/** The archive's three anchors: the seed, the draw manifest's digest, the chain head (latest manifest). */
function anchorsOf(manifests, seed, quarter) {
  const head = manifests[manifests.length - 1];
  return { seed, draw: manifests[0].digest, head: head.digest, headPath: `${quarter}/${head.base}manifest.json`,
    records: manifests.length - 1, created: head.manifest.created_at || '' };
}

/** Every manifest digest on the chain back from the quarter's head, through the chosen folders. */
async function chainDigests(run, manifests, quarter) {
  const digests = new Set(manifests.map((m) => m.digest));
  let link = manifests[0].manifest.previous;
  const seen = new Set();
  while (link && !seen.has(link.path)) {
    seen.add(link.path);
    const archive = run.all.find((a) => link.path.startsWith((a === run.self ? quarter : a.name) + '/'));
    if (!archive) break;
    const path = link.path.slice(link.path.indexOf('/') + 1);
    if (!archive.folder.has(path)) break;
    digests.add(await sha256(await archive.folder.bytes(path)));
    link = (await archive.folder.json(path)).previous;
  }
  return { digests, complete: !link };
}

/** 'announced seed' and 'announced head', compared byte for byte with what the reviewer pasted (when given). */
async function checkAnnounced(run, manifests, quarter, anchors, announced) {
  if (!announced.forThis) {
    const why = announced.seed || announced.head ? `公布的值与最新季度 ${announced.newest} 比对 the announced values are compared with the newest quarter chosen, ${announced.newest}`
      : '未填写 not given: 请填入公布的种子与链头 paste the announced seed and head above';
    run.add('announced seed', '公布的种子 announced seed', 'NOT CHECKED', why);
    run.add('announced head', '公布的链头 announced head', 'NOT CHECKED', why);
    return;
  }
  await run.check('announced seed', '公布的种子 announced seed', async () => {
    if (!announced.seed) throw new Unsupported('未填写 not given: 请在上方填入公布的种子 paste the announced seed above');
    const given = strip(announced.seed.normalize('NFC'));
    if (given !== anchors.seed) {
      throw new Problem(`公布的种子与档案中的不同 the announced seed differs from the archived one at ${textDifference(given, anchors.seed, ['announced', 'archived'])}` +
        ` (announced: ${visible(given)}; archived: ${visible(anchors.seed)})`);
    }
    return ['PASS', '与档案中的种子逐字相同 identical, character for character, to the archived seed'];
  });
  await run.check('announced head', '公布的链头 announced head', async () => {
    if (!announced.head) throw new Unsupported('未填写 not given: 请在上方填入最近公布的链头 paste the chain head last announced above');
    const given = strip(announced.head).toLowerCase();
    if (given === anchors.head) return ['PASS', `${given} 即本档案的链头 is this archive's head`];
    const { digests, complete } = await chainDigests(run, manifests, quarter);
    if (digests.has(given)) return ['PASS', `${given} 是链上本档案链头之前的清单 is a manifest before this archive's head on the chain`];
    if (!complete) {
      throw new Unsupported(`公布的链头不在所选文件夹中的链上 the announced head is not on the chain within the chosen folders: ` +
        '选择整个 outputs/ 文件夹 choose the whole outputs/ folder');
    }
    throw new Problem(`公布的链头 the announced head ${visible(announced.head.trim())} 既不是本档案的链头 ${anchors.head}，也不是链上更早的清单 ` +
      `is neither this archive's head nor a manifest before it on the chain (${digests.size} manifest(s) back to the first): ` +
      '此后有清单被改动或删除，或它是更晚季度的链头 a manifest was changed or removed since it was announced, or it is a later quarter\'s head');
  });
}

/** 'git order': a browser cannot read git; the commits the draw archived are shown for make verify or git log. */
async function showGitOrder(run) {
  const { folder } = run;
  if (!folder.has('draw/git-order.json')) {
    run.add('git order', '冻结先于种子 git order', 'NOT CHECKED', '浏览器无法读取 git 历史：请用 make verify 或 git log 核对 ' +
      'a browser cannot read git history: make verify (or git log) checks that the freeze was committed before the seed');
    return;
  }
  await run.check('git order', '冻结先于种子 git order', async () => {
    const order = await folder.json('draw/git-order.json');
    if (!order.proved) {
      throw new Unsupported(`抽取时顺序未经 git 证明 the order was not proved by git when drawn: ${visible(order.reason)}（仅演示季度可如此 only a demo quarter may be drawn so）`);
    }
    const commit = (c) => `${c.commit.slice(0, 10)} (${c.time}, ${visible(c.author)})`;
    throw new Unsupported(`档案记录 the archive records: 冻结提交 freeze commit ${commit(order.freeze_commit)}，种子提交 seed commit ` +
      `${commit(order.seed_commit)}；浏览器无法读取 git 历史，请在项目仓库中用 make verify 或 git log 核对 a browser cannot read ` +
      'git history: make verify (or git log) in the project\'s repository finds both commits again');
  });
}
