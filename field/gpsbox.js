// A GPS panel for the forms: starts the position on request, shows its accuracy in big
// type, the distance to the asset, and whether the fix is good enough for what it is for.

import { button, fill, h } from './dom.js';
import { formatNumber, t } from './i18n.js';
import * as geo from './geo.js';

/**
 * options: geometry (the asset's, for the distance and the warning), margin (metres),
 * limit (metres: a fix must be at least this good), auto (start without a tap),
 * onFix(fix, good) on every update.
 */
export function gpsBox(ctx, { geometry, margin = 25, limit, auto, onFix }) {
  const box = h('div', { class: 'gps-box', 'aria-live': 'polite' });
  let stop = null;

  function showFix(fix) {
    const good = !limit || fix.accuracy <= limit;
    const far = geometry ? geo.farAway(fix, geometry, margin) : null;
    fill(box,
      h('p', { class: `accuracy ${good ? 'good' : 'poor'}` }, t('geo.accuracy', { accuracy: formatNumber(fix.accuracy) })),
      limit ? h('p', {}, t(good ? 'geo.good_enough' : 'geo.too_poor', { limit: formatNumber(limit) })) : null,
      far ? h('p', {}, t('geo.distance_only', { distance: formatNumber(far.distance) })) : null,
      far?.far ? h('div', { class: 'notice warn' }, h('strong', {}, t('geo.wrong_place'))) : null);
    onFix(fix, good);
  }

  function showError(error) {
    const key = error.code === 1 ? 'geo.denied' : 'geo.unavailable';
    fill(box, h('p', { class: 'notice warn' }, t(key)), startButton());
  }

  function start() {
    fill(box, h('p', { class: 'accuracy' }, t('geo.searching')));
    stop = geo.watch((fix) => {
      ctx.fix = fix;
      showFix(fix);
    }, showError);
    ctx.leaving.push(() => stop?.());
  }

  function startButton() {
    return button(t('geo.start'), start, 'plain');
  }

  if (auto) queueMicrotask(start);
  else fill(box, startButton());
  return box;
}
