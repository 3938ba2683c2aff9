// A photo from the phone's camera made ready for the server, which takes a JPEG or PNG of at most 2 MB
// (src/compliance/compliance.rules.ts). Phone cameras often take larger ones, and some take HEIC or WebP:
// rather than refuse them, the browser redraws such a photo on a canvas and sends it as a JPEG.

/** The server's limit on the decoded bytes (PHOTO_MAX_BYTES). */
export const PHOTO_MAX_BYTES = 2 * 1024 * 1024;

export type PhotoType = 'image/jpeg' | 'image/png';

export interface PreparedPhoto {
  contentType: PhotoType;
  /** The bytes in base64, without a data: prefix, as the API wants them. */
  dataBase64: string;
  sizeBytes: number;
  /** The size of the file chosen when it had to be redrawn (too large, or neither JPEG nor PNG); else null. */
  redrawnFrom: number | null;
}

/** Why a photo cannot be sent: the browser cannot read it as an image, or cannot bring it under 2 MB. */
export class PhotoError extends Error {
  constructor(readonly reason: 'not_an_image' | 'too_large') {
    super(reason);
  }
}

/**
 * Longest side and JPEG quality, tried in turn until the photo fits. The first keeps a serial-number
 * label or a tamper seal readable; the last is a fallback for huge, noisy images.
 */
const ATTEMPTS = [
  { edge: 2560, quality: 0.85 },
  { edge: 2048, quality: 0.8 },
  { edge: 1600, quality: 0.75 },
  { edge: 1280, quality: 0.7 },
  { edge: 1024, quality: 0.6 },
] as const;

/** The photo as it will be sent: as chosen when it already is a JPEG or PNG under 2 MB, else redrawn as a JPEG. */
export async function preparePhoto(file: Blob): Promise<PreparedPhoto> {
  const type = await sniff(file);
  if (type && file.size <= PHOTO_MAX_BYTES) return { contentType: type, dataBase64: await base64(file), sizeBytes: file.size, redrawnFrom: null };
  const jpeg = await redrawAsJpeg(file);
  return { contentType: 'image/jpeg', dataBase64: await base64(jpeg), sizeBytes: jpeg.size, redrawnFrom: file.size };
}

/** The type the bytes are (what the server checks), whatever the file's name or claimed type says. */
async function sniff(blob: Blob): Promise<PhotoType | null> {
  const head = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => head[i] === b)) return 'image/png';
  return null;
}

async function redrawAsJpeg(file: Blob): Promise<Blob> {
  let bitmap: ImageBitmap;
  try {
    // from-image: a phone's portrait photo stays upright (its EXIF orientation is applied, then dropped).
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new PhotoError('not_an_image');
  }
  try {
    for (const { edge, quality } of ATTEMPTS) {
      const scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
      const width = Math.max(1, Math.round(bitmap.width * scale));
      const height = Math.max(1, Math.round(bitmap.height * scale));
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext('2d');
      if (!context) break;
      context.fillStyle = '#fff'; // JPEG has no transparency: a transparent PNG's background becomes white, not black
      context.fillRect(0, 0, width, height);
      context.drawImage(bitmap, 0, 0, width, height);
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
      // Release the canvas's memory at once: mobile Safari allows little canvas memory in all.
      canvas.width = 0;
      canvas.height = 0;
      if (blob && blob.size <= PHOTO_MAX_BYTES && (await sniff(blob)) === 'image/jpeg') return blob;
    }
  } finally {
    bitmap.close();
  }
  throw new PhotoError('too_large');
}

function base64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1)); // drop "data:image/jpeg;base64,"
    };
    reader.onerror = () => reject(reader.error ?? new Error('the photo could not be read'));
    reader.readAsDataURL(blob);
  });
}
