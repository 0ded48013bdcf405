// Credits the studio shows for the yardstick (a module of its own so showing them loads no tfjs).
/** Shown in the app's credits: the embedding every score is computed on. */
export const EMBEDDING_CREDITS = [
  {
    what: "Evaluation embedding: MobileNetV2 weights bundled in nsfwjs (Atelier's KID/FID/precision/recall are computed on its features)",
    author: 'Infinite Red, Inc. (nsfwjs)',
    license: 'MIT',
    url: 'https://github.com/infinitered/nsfwjs',
  },
  {
    what: "Those weights: GantMan/nsfw_model's MobileNetV2, fine-tuned from Keras' ImageNet MobileNetV2",
    author: 'The nsfw_model Developers; Keras (ImageNet weights, Apache 2.0)',
    license: 'MIT',
    url: 'https://github.com/GantMan/nsfw_model',
  },
];
