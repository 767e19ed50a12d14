// Capture a new asset where a blank label was stuck: type, name, the type's required fields
// and a few more, a photo, and the position (a fix good enough to place it). Sent as one
// capture (asset + label binding); a photo goes with a first record of the new asset.

import { button, h, localIso, uuid } from './dom.js';
import { t, typeLabel } from './i18n.js';
import { choice } from './record.js';
import { gpsBox } from './gpsbox.js';
import { photoEntry, photoField } from './photo.js';

const EXTRA_FIELDS = 3;  // optional fields asked besides the required ones: few, with gloves
const DEFAULT_LIMIT_M = 15;

function label(name, schema) {
  const key = `attr.${name}`;
  return t(key) === key ? (schema.title || name.replaceAll('_', ' ')) : t(key);
}

function simple(schema) {
  return ['string', 'number', 'integer', 'boolean'].includes(schema.type) && !schema.format
    || (schema.type === 'array' && schema.items?.enum);
}

/** The fields to ask for a type: all required ones, then a few simple optional ones. */
function fieldsOf(type) {
  const props = type.properties || {};
  const required = type.required.filter((n) => props[n]);
  const optional = Object.keys(props)
    .filter((n) => !required.includes(n) && simple(props[n]) && !props[n].pattern)
    .sort((a, b) => Number(!props[a].enum) - Number(!props[b].enum))
    .slice(0, EXTRA_FIELDS);
  return [...required, ...optional].map((name) => ({ name, schema: props[name], required: required.includes(name) }));
}

function input({ name, schema, required }) {
  const id = `f-attr-${name}`;
  const title = `${label(name, schema)}${required ? ' *' : ''}`;
  if (schema.type === 'boolean') {
    return h('label', { class: 'tile check' }, h('input', { type: 'checkbox', name: `attr:${name}` }), h('span', {}, title));
  }
  if (schema.enum || schema.items?.enum) {
    const values = schema.enum || schema.items.enum;
    const multi = schema.type === 'array';
    return h('fieldset', {}, h('legend', {}, title), h('div', { class: 'tiles' }, values.map((v) => h('label', { class: 'tile' },
      h('input', { type: multi ? 'checkbox' : 'radio', name: `attr:${name}`, value: v }), h('span', {}, v)))));
  }
  const numeric = schema.type === 'number' || schema.type === 'integer';
  return h('div', { class: 'field' }, h('label', { for: id }, title),
    h('input', { id, name: `attr:${name}`, type: 'text', inputmode: numeric ? 'decimal' : 'text', autocomplete: 'off' }));
}

function value(form, { name, schema }) {
  if (schema.type === 'array') return form.getAll(`attr:${name}`);
  const raw = form.get(`attr:${name}`);
  if (schema.type === 'boolean') return raw !== null;
  if (raw === null || String(raw).trim() === '') return undefined;
  if (schema.type === 'number') return Number(String(raw).replace(',', '.'));
  if (schema.type === 'integer') return Number.parseInt(raw, 10);
  return String(raw).trim();
}

export function view(ctx) {
  const { card } = ctx;
  const limit = card.limits?.max_fix_accuracy_m ?? DEFAULT_LIMIT_M;
  // street lights are most of what a municipality labels: the likely choice comes first
  const types = [...(card.types || [])].sort((a, b) => (b.code === 'street_light') - (a.code === 'street_light'));
  let type = types[0];
  let fix = null;
  const fieldsBox = h('div', { class: 'stack' });
  const photo = photoField(ctx);
  const error = h('p', { class: 'notice danger', role: 'alert', hidden: true });
  const form = h('form', { class: 'stack', novalidate: true });

  const showFields = () => fieldsBox.replaceChildren(...fieldsOf(type).map(input));
  const fail = (text) => { error.textContent = text; error.hidden = false; error.scrollIntoView(); };

  async function save(event) {
    event.preventDefault();
    const data = new FormData(form);
    const attributes = {};
    for (const field of fieldsOf(type)) {
      const v = value(data, field);
      if (v === undefined || (Array.isArray(v) && !v.length) || Number.isNaN(v)) {
        if (field.required) return fail(t('capture.missing', { field: label(field.name, field.schema) }));
        continue;
      }
      attributes[field.name] = v;
    }
    if (!fix) return fail(t('capture.needs_position', { limit }));
    form.querySelector('[type=submit]').disabled = true;
    const captureId = uuid();
    const slug = card.municipality.slug;
    const entries = [{
      client_id: captureId, type: 'capture', slug, tag_id: card.tag.id, code: card.tag.short_code,
      body: {
        client_id: captureId, type: type.code, name: String(data.get('name') || '').trim(), attributes,
        status: 'active', accuracy_m: fix.accuracy, geometry: { type: 'Point', coordinates: [fix.lon, fix.lat] },
      },
    }];
    if (photo.blob) {
      // photos belong to records: a first record of the new asset carries it
      const recordId = uuid();
      entries.push({
        client_id: recordId, type: 'maintenance', slug, needs: { asset: captureId }, code: card.tag.short_code,
        body: {
          client_id: recordId, kind: 'other', result: 'ok', notes: t('capture.photo_note'),
          performed_at: localIso(), capture_method: card.tag.kind, confirm_reading: false,
          position: { lon: fix.lon, lat: fix.lat }, accuracy_m: fix.accuracy,
        },
      }, photoEntry(slug, recordId, photo.blob, card.tag.short_code));
    }
    await ctx.queue(entries, t('done.capture', { code: card.tag.short_code }));
  }

  form.addEventListener('submit', save);
  form.append(
    h('fieldset', {}, h('legend', {}, t('capture.type')),
      choice('type', types.map((x) => x.code), (code) => typeLabel(code, types.find((x) => x.code === code)), type?.code,
        (code) => { type = types.find((x) => x.code === code); showFields(); })),
    h('div', { class: 'field' }, h('label', { for: 'f-name' }, t('capture.name')),
      h('input', { id: 'f-name', name: 'name', type: 'text', maxlength: 200, autocomplete: 'off' })),
    fieldsBox,
    h('fieldset', {}, h('legend', {}, t('record.photo')), photo.element),
    h('fieldset', {}, h('legend', {}, t('record.position')),
      gpsBox(ctx, { limit, auto: true, onFix: (f, good) => { fix = good ? f : null; } })),
    error,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn ok' }, t('capture.save')),
      button(t('common.cancel'), () => ctx.showCard(), 'plain')));
  if (type) showFields();
  return h('section', { class: 'card' },
    h('p', { class: 'type' }, card.tag.short_code),
    h('h1', {}, t('capture.title')), form);
}
