// A small real PNG of a simulated terminal's screen (what a screenshot command uploads): a 48×32 RGB
// image — a status bar in the mode's colour over a white screen — encoded by hand (zlib and CRC-32),
// so that what reaches the server is a file any image viewer opens.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** The screen: a bar of `bar` colour at the top, `rows` lines of grey "text" below. */
export function screenPng(bar: readonly [number, number, number], rows: number, width = 48, height = 32): Uint8Array {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const line = y * (width * 3 + 1);
    raw[line] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const text = y >= 10 && (y - 10) % 4 < 2 && (y - 10) / 4 < rows && x >= 4 && x < width - 4 - ((y * 7) % 12);
      const [r, g, b] = y < 6 ? bar : text ? [90, 90, 90] : [255, 255, 255];
      raw.set([r, g, b], line + 1 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]));
}
