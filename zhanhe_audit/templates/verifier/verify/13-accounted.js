// ---- every archived file accounted for; the verifiers shipped with the archive ----
// The table of evidence/accounting.py and the verifiers of earlier versions (verifiers.txt), put in when the page
// is built: both verifiers account for a file by the same table.
const ACCOUNTING = /* @ACCOUNTING@ */ null;
const KNOWN_VERIFIERS = /* @VERIFIERS@ */ null;

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An accounting pattern as a regular expression for this quarter (accounting.Entry.regex). */
function accountingRegex(pattern, quarter, registers) {
  const fills = {
    '{quarter}': escapeRegex(quarter),
    '{record}': '\\d{4,}',
    '{year}': '\\d{4}',
    '{file}': '[^/]+',
    '{register}': '(?:' + sorted(registers).map(escapeRegex).join('|') + ')',
  };
  const parts = pattern.split(/(\{quarter\}|\{register\}|\{record\}|\{year\}|\{file\})/);
  return new RegExp('^' + parts.map((part) => fills[part] ?? escapeRegex(part)).join('') + '$');
}

/** 'accounted': every file a manifest lists is one the archive format accounts for (docs/archive.md). */
async function checkAccounted(run, manifests, quarter) {
  await run.check('accounted', '每个文件均有来由 accounted', async () => {
    const freeze = await run.folder.json(`inputs/params/${quarter}.freeze.json`);
    const registers = Object.values(freeze.registers || {}).map((entry) => entry.path);
    const patterns = ACCOUNTING.map((entry) => accountingRegex(entry.pattern, quarter, registers));
    const listed = manifests.flatMap(({ manifest }) => Object.keys(manifest.files || {}));
    const strangers = sorted(listed.filter((path) => !patterns.some((pattern) => pattern.test(path))));
    if (strangers.length) {
      throw new Problem(`${strangers.map(visible).join(', ')}：列于清单，但档案中不应有此类文件，无从重算或证明 listed in a ` +
        'manifest, but no file of this kind belongs in an archive (docs/archive.md): nothing recomputes or proves it');
    }
    return ['PASS', `清单所列 ${listed.length} 个文件，每个都是经冻结证明的输入、逐字节重算的文件、由其生成的网页、核验工具或封存文件 ` +
      `each of the ${listed.length} listed files is an input proved by the freeze, a file recomputed byte for byte, a page ` +
      'rendered from those, a verifier or a seal (docs/archive.md)'];
  });
}

/** 'verifiers': verify-task.sh is a version's; verify.html is named by its SHA-256, for the reviewer to compare. */
async function checkVerifiers(run) {
  await run.check('verifiers', '核验工具 verifiers', async () => {
    const shown = [];
    for (const name of ['verify-task.sh', 'verify.html']) {
      if (!run.folder.has(name)) continue;
      const digest = await sha256(await run.folder.bytes(name));
      const version = (KNOWN_VERIFIERS[name] || {})[digest];
      if (name === 'verify-task.sh' && !version) {
        throw new Problem(`verify-task.sh (SHA-256 ${digest}) 不是任何版本的核验脚本 is not the verify-task.sh of any version of zhanhe-audit`);
      }
      shown.push(`${name} ${digest}${version ? ` (${version})` : ''}`);
    }
    if (!shown.length) return ['PASS', '本档案不含核验工具 no verifier in this archive (drawn before they were part of it)'];
    return ['PASS', `${shown.join('; ')}。本页面无法核对自身：请用 certutil -hashfile verify.html SHA256 或 sha256sum verify.html ` +
      '与 README 所载的 SHA-256 比对 this page cannot check itself: compare its SHA-256 with the one in the README'];
  });
}
