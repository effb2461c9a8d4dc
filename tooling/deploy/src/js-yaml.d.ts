/** The one function of js-yaml used here (the package ships no types; @types/js-yaml is not installed). */
declare module "js-yaml" {
  export function load(text: string): unknown;
}
