// Photos from the phone's camera, downscaled on the phone before they are stored: a
// 12-megapixel picture is 5 MB; at 1600 px as JPEG it is a few hundred KB, which an outbox
// can hold by the dozen and a weak mobile connection can send.

import { button, fill, h, uuid } from './dom.js';
import { t } from './i18n.js';

export const MAX_SIDE = 1600;
const QUALITY = 0.82;

async function decode(file) {
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    const url = URL.createObjectURL(file);
    try {
      const img = new Image();
      img.src = url;
      await img.decode();
      return img;
    } finally {
      URL.revokeObjectURL(url);
    }
  }
}

/** The picture as a JPEG blob whose longer side is at most MAX_SIDE pixels. */
export async function downscale(file) {
  const image = await decode(file);
  const width = image.width || image.naturalWidth;
  const height = image.height || image.naturalHeight;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
  image.close?.();
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('toBlob'))), 'image/jpeg', QUALITY);
  });
}

/** A "take photo" field: the camera button, a preview, and the downscaled blob in state.blob. */
export function photoField(ctx) {
  const state = { blob: null };
  const preview = h('div', { class: 'photo-preview' });
  const input = h('input', {
    type: 'file', accept: 'image/*', capture: 'environment', id: 'photo-input', class: 'visually-hidden',
  });
  const take = h('label', { class: 'btn plain', for: 'photo-input' }, t('photo.take'));

  function showPreview() {
    if (!state.blob) {
      fill(preview);
      take.textContent = t('photo.take');
      return;
    }
    const url = URL.createObjectURL(state.blob);
    ctx.leaving.push(() => URL.revokeObjectURL(url));
    fill(preview,
      h('img', { src: url, alt: t('photo.preview') }),
      button(t('photo.remove'), () => { state.blob = null; input.value = ''; showPreview(); }, 'plain'));
    take.textContent = t('photo.retake');
  }

  input.addEventListener('change', async () => {
    const [file] = input.files;
    if (!file) return;
    fill(preview, h('p', {}, t('photo.processing')));
    try {
      state.blob = await downscale(file);
    } catch {
      state.blob = null;
      ctx.toast(t('photo.unreadable'), 'warn');
    }
    showPreview();
  });
  state.element = h('div', { class: 'field photo' }, input, take, preview);
  return state;
}

/** The outbox entry of a photo, sent once its record has its server id. */
export function photoEntry(slug, recordClientId, blob, code) {
  return { client_id: uuid(), type: 'photo', slug, code, needs: { record: recordClientId }, blob };
}
