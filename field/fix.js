// Correct an asset's position from the phone's GPS: the live accuracy is shown, and a fix
// worse than the server's limit (the card's limits.max_fix_accuracy_m) cannot be taken.

import { button, h, uuid } from './dom.js';
import { formatNumber, t } from './i18n.js';
import { gpsBox } from './gpsbox.js';
import { assetPoint, distanceM } from './geo.js';

const DEFAULT_LIMIT_M = 15;

export function view(ctx) {
  const { asset, municipality, limits } = ctx.card;
  const limit = limits?.max_fix_accuracy_m ?? DEFAULT_LIMIT_M;
  let chosen = null;
  const shift = h('p', { class: 'shift' });
  const take = button(t('fix.take'), save, 'ok', { disabled: true });

  function onFix(fix, good) {
    chosen = good ? fix : null;
    take.disabled = !good;
    const point = assetPoint(asset.geometry);
    shift.textContent = point ? t('fix.shift', { distance: formatNumber(distanceM(point, [fix.lon, fix.lat])) }) : '';
  }

  async function save(event) {
    if (!chosen) return;
    event.currentTarget.disabled = true;
    const fix = chosen;
    await ctx.queue([{
      client_id: uuid(),
      type: 'patch', slug: municipality.slug, asset_id: asset.id, code: asset.code,
      body: {
        version: asset.version, accuracy_m: fix.accuracy,
        geometry: { type: 'Point', coordinates: [fix.lon, fix.lat] },
      },
    }], t('done.position', { code: asset.code }));
  }

  return h('section', { class: 'card' },
    h('p', { class: 'type' }, asset.code),
    h('h1', {}, t('fix.title')),
    h('p', {}, t('fix.text', { limit: formatNumber(limit) })),
    gpsBox(ctx, { limit, auto: true, onFix }),
    shift,
    h('div', { class: 'actions' }, take, button(t('common.cancel'), () => ctx.showCard(), 'plain')));
}
