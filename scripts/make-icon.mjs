// Draws the extension's icon, dist/icon.png (128x128): a magnifying lens over a "+1" counter,
// on a rounded dark square. Pure Node (zlib + a hand-written PNG encoder), 4x4 supersampled
// edges. Run by scripts/build.mjs, like the grammar: the PNG is a build output, never committed.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SIZE = 128;
const SS = 4;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const BG = [24, 38, 66];
const RING = [240, 176, 64];
const GLASS = [52, 84, 128];
const MARK = [255, 255, 255];

const inRoundedSquare = (x, y) => {
  const r = 24,
    m = 4,
    lo = m + r,
    hi = SIZE - m - r;
  const cx = Math.min(Math.max(x, lo), hi),
    cy = Math.min(Math.max(y, lo), hi);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= m && x <= SIZE - m && y >= m && y <= SIZE - m;
};
const lens = { x: 54, y: 54, r: 32, w: 8 };
const dist = (x, y) => Math.hypot(x - lens.x, y - lens.y);
const inRing = (x, y) => Math.abs(dist(x, y) - lens.r) <= lens.w / 2;
const inGlass = (x, y) => dist(x, y) < lens.r - lens.w / 2;
/** The handle: a thick segment from the ring towards the lower right corner. */
const inHandle = (x, y) => {
  const ax = lens.x + (lens.r + 2) * Math.SQRT1_2,
    ay = lens.y + (lens.r + 2) * Math.SQRT1_2;
  const bx = 106,
    by = 106,
    w = 7;
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) <= w;
};
/** "+1" inside the glass: a plus and a one, drawn as rectangles. */
const inMark = (x, y) => {
  const plus =
    (Math.abs(x - 42) <= 11 && Math.abs(y - 54) <= 3.5) || (Math.abs(x - 42) <= 3.5 && Math.abs(y - 54) <= 11);
  const oneStem = Math.abs(x - 66) <= 3.5 && Math.abs(y - 54) <= 15;
  const oneFlag = y >= 39 && y <= 46 && x >= 58 && x <= 66 && x - 58 >= (y - 39) * 0.2;
  const oneBase = Math.abs(x - 66) <= 8 && y >= 66 && y <= 70;
  return plus || oneStem || oneFlag || oneBase;
};

function colourAt(x, y) {
  if (!inRoundedSquare(x, y)) return null;
  if (inMark(x, y) && inGlass(x, y)) return MARK;
  if (inRing(x, y) || inHandle(x, y)) return RING;
  if (inGlass(x, y)) return GLASS;
  return BG;
}

function pixels() {
  const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE);
  for (let y = 0; y < SIZE; y++) {
    raw[y * (SIZE * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < SS; sy++)
        for (let sx = 0; sx < SS; sx++) {
          const c = colourAt(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS);
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            a++;
          }
        }
      const o = y * (SIZE * 4 + 1) + 1 + x * 4;
      raw[o] = a ? Math.round(r / a) : 0;
      raw[o + 1] = a ? Math.round(g / a) : 0;
      raw[o + 2] = a ? Math.round(b / a) : 0;
      raw[o + 3] = Math.round((a / (SS * SS)) * 255);
    }
  }
  return raw;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};

/** The icon as PNG bytes (deterministic: the same bytes on every build). */
export function iconPng() {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0; // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(pixels(), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function writeIcon(out = path.join(root, 'dist/icon.png')) {
  writeFileSync(out, iconPng());
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${path.relative(process.cwd(), writeIcon())}`);
}
