import { field } from '../schema/fields';

/** One attribute of a distinguished name: X.520's upper bounds, no control characters, trimmed. */
export const subjectAttribute = (maxLength: number) =>
  field.text({ minLength: 1, maxLength, trimmed: true, noControlCharacters: true });

/** A certificate's subject as certm3 names one: a common name, and optionally O, OU and C. */
export const subjectField = () =>
  field.object({
    commonName: subjectAttribute(64),
    organization: subjectAttribute(64).optional(),
    organizationalUnit: subjectAttribute(64).optional(),
    country: field
      .text({
        minLength: 2,
        maxLength: 2,
        pattern: { source: '^[A-Z]{2}$', description: 'must be two capital letters (ISO 3166)' },
      })
      .optional(),
  });
