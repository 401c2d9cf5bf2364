import sharp from 'sharp';

/** The largest side of a thumbnail (protocol: no larger than 480x480). */
export const THUMBNAIL_MAX = 480;

export interface ImageInfo {
  width: number;
  height: number;
  /** WebP, at most 480x480, or null when the image is too large to decode safely. */
  thumbnail: Buffer | null;
}

/**
 * Reads an image's size and makes its thumbnail (first frame of an animation,
 * turned upright by its EXIF orientation, metadata dropped). Null when the
 * bytes do not decode as an image. `maxPixels` bounds what is decoded, so a
 * small file that expands to gigapixels cannot exhaust the memory.
 */
export async function inspectImage(bytes: Buffer, maxPixels: number): Promise<ImageInfo | null> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return null;
  }
  const upright = (meta.orientation ?? 1) >= 5;
  const width = (upright ? meta.height : meta.width) ?? 0;
  const height = (upright ? meta.width : meta.height) ?? 0;
  if (!width || !height) return null;
  if (width * height > maxPixels) return { width, height, thumbnail: null };
  try {
    const thumbnail = await sharp(bytes, { limitInputPixels: maxPixels, pages: 1 })
      .rotate()
      .resize(THUMBNAIL_MAX, THUMBNAIL_MAX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    return { width, height, thumbnail };
  } catch {
    return null;
  }
}
