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
