// The full record form: kind, result, meter reading, notes, a photo, and the position.

import { button, h } from './dom.js';
import { t } from './i18n.js';
import { maintenanceEntry } from './quick.js';
import { gpsBox } from './gpsbox.js';
import { photoEntry, photoField } from './photo.js';

export const KINDS = ['inspection', 'repair', 'lamp_replacement', 'cleaning', 'firmware_update', 'meter_reading', 'other'];
export const RESULTS = ['ok', 'fixed', 'defect_found', 'not_possible'];

/** Big radio tiles (a select is fiddly with gloves). */
export function choice(name, values, labelOf, selected, onChange) {
  return h('div', { class: 'tiles', role: 'radiogroup' }, values.map((value) => h('label', { class: 'tile' },
    h('input', { type: 'radio', name, value, checked: value === selected, onchange: () => onChange?.(value) }),
    h('span', {}, labelOf(value)))));
}

export function view(ctx, { kind: preset } = {}) {
  const { asset } = ctx.card;
  const kinds = asset.type === 'meter' ? KINDS : KINDS.filter((k) => k !== 'meter_reading');
  let fix = null;
  const reading = h('div', { class: 'field', hidden: preset !== 'meter_reading' },
    h('label', { for: 'f-reading' }, t('record.reading')),
    h('input', { id: 'f-reading', type: 'text', inputmode: 'decimal', autocomplete: 'off', pattern: '[0-9]+([.,][0-9]+)?' }));
  const notes = h('textarea', { id: 'f-notes', rows: 3 });
  const photo = photoField(ctx);
  const error = h('p', { class: 'notice danger', role: 'alert', hidden: true });
  const form = h('form', { class: 'stack', novalidate: true });

  async function save(event) {
    event.preventDefault();
    const data = new FormData(form);
    const kind = data.get('kind');
    const fields = { kind, result: data.get('result'), notes: notes.value.trim() };
    if (kind === 'meter_reading') {
      const raw = reading.querySelector('input').value.trim().replace(',', '.');
      if (!/^\d+(\.\d+)?$/.test(raw)) {
        error.textContent = t('record.reading_missing');
        error.hidden = false;
        return reading.querySelector('input').focus();
      }
      fields.reading_value = raw;
    }
    form.querySelector('[type=submit]').disabled = true;
    const entry = maintenanceEntry(ctx, fields, fix ?? ctx.fix);
    const entries = [entry];
    if (photo.blob) entries.push(photoEntry(entry.slug, entry.client_id, photo.blob, asset.code));
    await ctx.queue(entries, t('done.record', { code: asset.code, kind: t(`kind.${kind}`) }));
  }

  form.addEventListener('submit', save);
  const kindChoice = h('fieldset', {}, h('legend', {}, t('record.kind')),
    choice('kind', kinds, (k) => t(`kind.${k}`), preset || 'inspection', (k) => { reading.hidden = k !== 'meter_reading'; }));
  const readingFirst = preset === 'meter_reading';
  if (readingFirst) queueMicrotask(() => reading.querySelector('input').focus());
  form.append(
    readingFirst ? reading : kindChoice,
    readingFirst ? kindChoice : reading,
    h('fieldset', {}, h('legend', {}, t('record.result')),
      choice('result', RESULTS, (r) => t(`result.${r}`), 'ok')),
    h('div', { class: 'field' }, h('label', { for: 'f-notes' }, t('record.notes')), notes),
    h('fieldset', {}, h('legend', {}, t('record.photo')), photo.element),
    h('fieldset', {}, h('legend', {}, t('record.position')),
      gpsBox(ctx, {
        geometry: asset.geometry, margin: ctx.card.limits?.plausibility_margin_m ?? 25,
        auto: Boolean(ctx.fix), onFix: (f) => { fix = f; },
      })),
    error,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn ok' }, t('record.save')),
      button(t('common.cancel'), () => ctx.showCard(), 'plain')));
  return h('section', { class: 'card' },
    h('p', { class: 'type' }, asset.code),
    h('h1', {}, t(readingFirst ? 'action.meter_reading' : 'record.title')), form);
}
