// Set an asset defective, or back in service: asked once more (a gloved tap on the wrong
// button must not take a street light out of service), then queued as a versioned PATCH.

import { button, h, uuid } from './dom.js';
import { t } from './i18n.js';

export function view(ctx, { status }) {
  const { asset, municipality } = ctx.card;
  const key = status === 'defective' ? 'defective' : 'back_in_service';
  const save = async (event) => {
    event.currentTarget.disabled = true;
    const clientId = uuid();
    await ctx.queue([{
      client_id: clientId, type: 'patch', slug: municipality.slug, asset_id: asset.id,
      code: asset.code, body: { version: asset.version, status },
    }], t(`done.${key}`, { code: asset.code }));
  };
  return h('section', { class: 'card' },
    h('h1', {}, t(`status_form.${key}_title`, { code: asset.code })),
    h('p', {}, t(`status_form.${key}_text`)),
    h('div', { class: 'actions' },
      button(t(`status_form.${key}_confirm`), save, status === 'defective' ? 'danger' : 'ok'),
      button(t('common.cancel'), () => ctx.showCard(), 'plain')));
}
