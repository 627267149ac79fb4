// Slack's view.state.values for a view: what the user changed, else each element's initial value.

const STATEFUL = new Set([
  "plain_text_input", "number_input", "email_text_input", "url_text_input", "datepicker", "timepicker",
  "datetimepicker",
  "static_select", "external_select", "users_select", "conversations_select", "channels_select",
  "checkboxes", "radio_buttons", "multi_static_select", "multi_external_select",
]);

export function initialValue(el) {
  const type = el.type;
  switch (type) {
    case "datepicker":
      return { type, selected_date: el.initial_date ?? null };
    case "timepicker":
      return { type, selected_time: el.initial_time ?? null };
    case "datetimepicker":
      return { type, selected_date_time: el.initial_date_time ?? null };
    case "static_select":
    case "external_select":
    case "radio_buttons":
      return { type, selected_option: el.initial_option ?? null };
    case "users_select":
      return { type, selected_user: el.initial_user ?? null };
    case "conversations_select":
      return { type, selected_conversation: el.initial_conversation ?? null };
    case "channels_select":
      return { type, selected_channel: el.initial_channel ?? null };
    case "checkboxes":
    case "multi_static_select":
    case "multi_external_select":
      return { type, selected_options: el.initial_options ?? [] };
    default:
      return { type, value: el.initial_value ?? null };
  }
}

export function collectValues(view, changed = {}) {
  const values = {};
  (view.blocks ?? []).forEach((block, index) => {
    const blockId = block.block_id ?? `auto-${index}`;
    const elements =
      block.type === "input" ? [block.element] :
      block.type === "actions" ? block.elements ?? [] :
      block.type === "section" && block.accessory ? [block.accessory] : [];
    for (const el of elements) {
      if (!el || !STATEFUL.has(el.type) || !el.action_id) continue;
      values[blockId] ??= {};
      values[blockId][el.action_id] = changed[blockId]?.[el.action_id] ?? initialValue(el);
    }
  });
  return values;
}
