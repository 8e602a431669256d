/**
 * A plan without a daily limit for bench customers (the catalogue's plans have one): the first
 * 1,000 units free, then 0.001 USD each, so pricing has a tier boundary to work on.
 */
export const planWithoutDailyLimit = (id: string, name: string) => ({
  id,
  name,
  currency: 'USD',
  baseFee: '0',
  minimumCharge: '0',
  charges: [
    {
      id: 'calls',
      endpoint: '*',
      aggregation: 'sum',
      model: 'graduated',
      tiers: [
        { upTo: 1000, unitAmount: '0' },
        { upTo: null, unitAmount: '0.001' },
      ],
    },
  ],
});
