// ---- SHA-256 by WebCrypto ----
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex = (buffer) => {
  const bytes = new Uint8Array(buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += HEX[bytes[i]];
  return text;
};
const encoder = new TextEncoder();
const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes));
const CHUNK = 4096;
/** H(m) of every message, in batches (Promise.all), reporting progress. */
async function hashAll(messages, progress) {
  const out = new Array(messages.length);
  for (let start = 0; start < messages.length; start += CHUNK) {
    const part = messages.slice(start, start + CHUNK);
    const digests = await Promise.all(part.map((m) => crypto.subtle.digest('SHA-256', encoder.encode(m))));
    for (let i = 0; i < digests.length; i++) out[start + i] = hex(digests[i]);
    if (progress) progress(Math.min(start + CHUNK, messages.length) / messages.length);
  }
  return out;
}
