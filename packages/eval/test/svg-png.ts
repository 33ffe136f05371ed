// Checks that plot files are real images: PNG signature + IHDR chunk; SVG well-formed XML.
import { readFileSync } from 'node:fs';

/** Width and height from a PNG's IHDR; throws when the file is not a PNG. */
export function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!b.subarray(0, 8).equals(signature)) throw new Error(`${path}: no PNG signature`);
  if (b.readUInt32BE(8) !== 13 || b.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${path}: first chunk is not IHDR`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/**
 * Parses SVG text as XML well enough to catch broken output: every tag closes in order, attribute
 * quotes balance, the root is <svg>. Returns the root's width and height attributes.
 */
export function parseSvg(text: string): { width: number; height: number; elements: number } {
  const stack: string[] = [];
  let root: string | undefined;
  let width = NaN;
  let height = NaN;
  let elements = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>/g;
  let last = 0;
  for (let m = tag.exec(text); m !== null; m = tag.exec(text)) {
    if (text.slice(last, m.index).includes('<')) throw new Error(`malformed markup near ${JSON.stringify(text.slice(last, last + 60))}`);
    last = tag.lastIndex;
    const [, close, name, attrs, selfClose] = m;
    if (name === undefined) continue;
    if (close) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
      continue;
    }
    elements++;
    if (root === undefined) {
      root = name;
      width = Number(/\swidth\s*=\s*"([\d.]+)"/.exec(attrs ?? '')?.[1]);
      height = Number(/\sheight\s*=\s*"([\d.]+)"/.exec(attrs ?? '')?.[1]);
    } else if (stack.length === 0) throw new Error('more than one root element');
    if (!selfClose) stack.push(name);
  }
  if (text.slice(last).includes('<')) throw new Error('malformed markup at the end');
  if (root !== 'svg') throw new Error(`root element is ${root ?? 'missing'}, not svg`);
  if (stack.length > 0) throw new Error(`unclosed elements: ${stack.join(' ')}`);
  return { width, height, elements };
}
