import type { HeadManifest } from '@modelhub/core';

/** Where a head's base model is, seen from this registry. */
export interface BaseModelView {
  readonly repo: string;
  readonly commit: string;
  readonly endpoint: string;
  /** The base is a repo of this registry the viewer can read. */
  readonly local: boolean;
  /** The head of the base's main branch now, when local. */
  readonly currentMain: string | undefined;
}

/** What a head's page shows besides its card. */
export interface HeadView {
  readonly manifest: HeadManifest;
  readonly base: BaseModelView;
  /** The confusion-matrix SVG at the head's commit, when the head has one. */
  readonly confusionUrl: string | undefined;
}
