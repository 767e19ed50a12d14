// Outbox entries for maintenance records, and the one-tap "inspection OK" from the card.

import { localIso, uuid } from './dom.js';
import { t } from './i18n.js';

const FIX_MAX_AGE_MS = 2 * 60 * 1000;

/** A recent GPS fix, as the record wants it (older fixes say nothing about this visit). */
export function freshFix(fix) {
  if (!fix || Date.now() - fix.at > FIX_MAX_AGE_MS) return {};
  return { position: { lon: fix.lon, lat: fix.lat }, accuracy_m: fix.accuracy };
}

/** An outbox entry for a maintenance record of the card's asset. */
export function maintenanceEntry(ctx, fields, fix = ctx.fix) {
  const clientId = uuid();
  const { card } = ctx;
  return {
    client_id: clientId, type: 'maintenance', slug: card.municipality.slug,
    asset_id: card.asset.id, code: card.asset.code,
    body: {
      client_id: clientId, result: 'ok', notes: '', performed_at: localIso(),
      capture_method: ['qr', 'nfc'].includes(card.tag.kind) ? card.tag.kind : 'manual',
      confirm_reading: false, ...freshFix(fix), ...fields,
    },
  };
}

/** Card → "Inspection OK" → done: recorded now, sent now or as soon as there is network. */
export async function quickInspection(ctx, buttonEl) {
  buttonEl.disabled = true;  // a gloved double tap must not record twice
  const entry = maintenanceEntry(ctx, { kind: 'inspection', result: 'ok' });
  await ctx.queue([entry], t('done.inspection_ok', { code: ctx.card.asset.code }));
}
