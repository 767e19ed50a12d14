// What waits in the outbox, and what needs the person: a meter reading to confirm, a change
// the office overtook (conflict: shown side by side, never overwritten silently), a
// refusal. Nothing leaves this list without the server's confirmation or the person's
// decision to discard it.

import { button, fill, h } from './dom.js';
import { formatDate, formatNumber, t } from './i18n.js';
import * as outbox from './outbox.js';
import * as sync from './sync.js';

function what(entry) {
  switch (entry.type) {
    case 'maintenance':
      return `${t(`kind.${entry.body.kind}`)} · ${t(`result.${entry.body.result}`)}`
        + (entry.body.reading_value ? ` · ${entry.body.reading_value}` : '');
    case 'patch':
      return entry.body.status ? t('pending.status_change', { status: t(`status.${entry.body.status}`) }) : t('pending.position');
    default:
      return t(`pending.type_${entry.type}`);
  }
}

/** Both states of a conflict: what the phone wanted, what the office has now. */
function conflict(entry) {
  const { current } = entry;
  const mine = entry.body.status ? t(`status.${entry.body.status}`) : t('pending.position');
  const theirs = entry.body.status ? t(`status.${current.status}`) : t('pending.position_current');
  return h('div', { class: 'conflict' },
    h('p', {}, h('strong', {}, t('pending.conflict'))),
    h('dl', {},
      h('dt', {}, t('pending.yours')), h('dd', {}, mine),
      h('dt', {}, t('pending.office', { version: current.version, by: (current.updated_by || '').replace(/^user:/, '') })),
      h('dd', {}, theirs, current.updated_at ? ` (${formatDate(current.updated_at, true)})` : '')));
}

function decisions(ctx, entry, rerender) {
  const act = (fn) => async (event) => {
    event.currentTarget.disabled = true;
    await fn();
    await rerender();
  };
  const discard = button(t('pending.discard'), act(() => discardWithDependents(entry)), 'danger');
  if (entry.state === 'conflict') {
    return [conflict(entry), button(t('pending.reapply'), act(() => sync.retry(entry, { body: { ...entry.body, version: entry.current.version } })), 'primary'), discard];
  }
  if (entry.state === 'confirm') {
    const last = entry.last_reading || {};
    const input = h('input', { type: 'text', inputmode: 'decimal', value: entry.body.reading_value, id: `r-${entry.client_id}` });
    return [
      h('p', { class: 'notice warn' }, t('pending.confirm_reading', {
        value: formatNumber(Number(entry.body.reading_value), 3),
        last: last.reading_value ? formatNumber(Number(last.reading_value), 3) : '?',
        date: formatDate(last.performed_at),
      })),
      h('div', { class: 'field' }, h('label', { for: input.id }, t('record.reading')), input),
      button(t('pending.confirm'), act(() => sync.retry(entry, {
        body: { ...entry.body, reading_value: input.value.trim().replace(',', '.'), confirm_reading: true },
      })), 'ok'),
      discard,
    ];
  }
  if (entry.state === 'failed') {
    return [h('p', { class: 'notice danger' }, t('pending.refused', { reason: entry.error || entry.status })),
      button(t('pending.retry'), act(() => sync.retry(entry, {})), 'plain'), discard];
  }
  return [];
}

/** A record thrown away takes its photos with it (they could never be sent). */
async function discardWithDependents(entry) {
  for (const other of await outbox.all()) {
    if (other.needs?.record === entry.client_id || other.needs?.asset === entry.client_id) {
      await discardWithDependents(other);
    }
  }
  await outbox.discard(entry.client_id);
}

function item(ctx, entry, rerender) {
  const state = entry.state === 'pending' ? t('pending.waiting') : t(`pending.state_${entry.state}`);
  return h('li', { class: `entry state-${entry.state}`, id: `e-${entry.client_id}` },
    h('p', {}, h('strong', {}, entry.code || ''), ' · ', what(entry)),
    h('p', { class: 'meta' }, formatDate(entry.created_at, true), ' · ', state),
    decisions(ctx, entry, rerender));
}

export function view(ctx, { focus } = {}) {
  const list = h('ul', { class: 'outbox' });
  const status = h('div', { 'aria-live': 'polite' });
  const section = h('section', { class: 'card' });

  async function rerender() {
    const entries = await outbox.all();
    entries.sort((a, b) => (b.client_id === focus) - (a.client_id === focus));
    fill(list, entries.map((e) => item(ctx, e, rerender)));
    fill(status,
      h('p', { class: 'count' }, t('pending.count', { count: formatNumber(entries.length) })),
      sync.blocked ? h('p', { class: 'notice warn' }, t(`pending.blocked_${sync.blocked}`)) : null,
      sync.blocked === 'login' ? h('a', { class: 'btn primary', href: ctx.loginUrl() }, t('public.login')) : null);
  }

  async function sendNow(event) {
    const sendButton = event.currentTarget;
    sendButton.disabled = true;
    await sync.syncNow();
    sendButton.disabled = false;
    await rerender();
  }

  fill(section,
    h('h1', {}, t('pending.title')),
    status,
    h('div', { class: 'actions' },
      button(t('pending.sync'), sendNow, 'primary'),
      ctx.token ? button(t('pending.back'), () => ctx.showCard(), 'plain') : null),
    list);
  rerender();
  ctx.leaving.push(outbox.onChange(rerender));
  return section;
}
