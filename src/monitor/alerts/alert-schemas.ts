import { type Static, Type } from 'typebox';

/**
 * The shapes of an alert rule and a channel, shared by the config file (`alerts.rules`,
 * `alerts.channels`) and the API bodies, so both accept exactly the same documents.
 */

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' });
const LabelName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' });
const Labels = Type.Record(LabelName, Type.String({ maxLength: 256 }), { default: {} });
const Seconds = (def: number, description: string) =>
  Type.Number({ default: def, minimum: 0, maximum: 604_800, description });

export const AlertSeveritySchema = Type.Union([
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
  Type.Literal('critical'),
]);

export const AlertRuleSchema = Type.Object(
  {
    name: Name,
    metric: Type.Optional(
      Type.Object(
        {
          name: Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]{0,127}$' }),
          labels: Labels,
        },
        { additionalProperties: false },
      ),
    ),
    signal: Type.Optional(
      Type.Object(
        {
          labels: Labels,
          field: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' })),
        },
        { additionalProperties: false },
      ),
    ),
    aggregation: Type.Union(
      [Type.Literal('rate'), Type.Literal('avg'), Type.Literal('max'), Type.Literal('count')],
      { default: 'count' },
    ),
    window: Type.Number({ default: 60, exclusiveMinimum: 0, maximum: 86_400 }),
    operator: Type.Union(
      [
        Type.Literal('gt'),
        Type.Literal('gte'),
        Type.Literal('lt'),
        Type.Literal('lte'),
        Type.Literal('eq'),
      ],
      { default: 'gt' },
    ),
    threshold: Type.Number(),
    for: Seconds(0, 'Seconds the condition must hold before firing.'),
    severity: Type.Union([AlertSeveritySchema], { default: 'medium' }),
    labels: Labels,
    annotations: Type.Record(LabelName, Type.String({ maxLength: 2048 }), { default: {} }),
    channels: Type.Array(Name, { default: [], maxItems: 32, uniqueItems: true }),
    cooldown: Seconds(0, 'Least seconds between two firing notifications of one alert.'),
    repeatInterval: Seconds(
      0,
      'Seconds after which a still-firing alert is notified again; 0 never.',
    ),
    groupBy: Type.Array(LabelName, { default: [], maxItems: 8, uniqueItems: true }),
    enabled: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export type AlertRuleInput = Static<typeof AlertRuleSchema>;

const HttpUrl = Type.String({ pattern: '^https?://', maxLength: 2048 });
const Template = Type.Optional(
  Type.String({ maxLength: 4096, description: '{{field}} substitution, escaped for the channel.' }),
);

export const AlertChannelSchema = Type.Union([
  Type.Object(
    {
      name: Name,
      type: Type.Literal('email'),
      to: Type.Array(Type.String({ format: 'email', maxLength: 254 }), {
        minItems: 1,
        maxItems: 50,
      }),
      template: Template,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { name: Name, type: Type.Literal('slack'), url: HttpUrl, template: Template },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      name: Name,
      type: Type.Literal('webhook'),
      url: HttpUrl,
      secret: Type.String({ minLength: 16, maxLength: 256 }),
      template: Template,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { name: Name, type: Type.Literal('alertmanager'), url: HttpUrl, template: Template },
    { additionalProperties: false },
  ),
]);
export type AlertChannelInput = Static<typeof AlertChannelSchema>;
