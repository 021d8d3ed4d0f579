"""The README.md of an archive: the format, written from the tables themselves."""

from portability.tables import KINDS, LEFT_OUT, TABLES

INTRODUCTION = """# Archive d'un programme passnum

Cette archive contient tout un programme (règles, financeurs, structures, lieux, personnes,
diagnostics, carnets, unités, grand livre, séances, demandes de remboursement, paiements),
pour qu'un autre opérateur le reprenne sans rien perdre.

## Fichiers

- `manifest.json` : format et version, programme, tables et nombre de lignes, somme SHA-256
  et taille de chaque fichier de données, clé des codes (`code_hash`).
- `data/<table>.json` : les lignes de chaque table, valeurs typées (nombres, booléens, `null`,
  listes) ; c'est ce fichier que lit l'import.
- `data/<table>.csv` : les mêmes lignes en CSV (UTF-8, séparateur virgule, une ligne d'en-tête)
  pour un tableur : listes et objets en JSON, booléens `true`/`false`, vide pour `null` ; une
  cellule qui commencerait comme une formule (`=`, `+`, `-`, `@`) est précédée d'une apostrophe.

Dates `AAAA-MM-JJ` ; dates-heures ISO 8601 en UTC (`+00:00`) ; montants en centimes d'euro
(entiers). Les lignes sont écrites dans un ordre stable (colonnes « ordre » ci-dessous) : la
même base donne les mêmes fichiers, octet pour octet.

## Identifiants

Aucune ligne ne porte d'identifiant de base de données. Une ligne est nommée, et citée par
les autres tables, par :

"""

CODES = """
## Codes secrets

Les codes des unités et des carnets ne sont jamais en clair : seule leur empreinte
HMAC-SHA-256 est gardée (`code_hash`, `access_code_hash`), calculée avec la clé
`PASSNUM_CODE_HMAC_KEY` de l'instance. Le manifeste donne l'identifiant de cette clé
(`code_hash.key_id`, qui ne la révèle pas). Pour que les codes déjà remis restent valables,
l'instance qui reçoit doit utiliser la même clé, transmise à part par l'ancien opérateur ;
`program_import` le rappelle s'il voit une autre clé.

## Importer

`python manage.py program_import ARCHIVE.zip` vérifie les sommes et simule l'import ;
`--wet-run` l'écrit. Les organisations, comptes, membres, lieux et personnes déjà connus de
l'instance (même identifiant) sont gardés tels quels ; le référentiel des communes doit être
chargé (`load_communes`). Les comptes importés n'ont pas de mot de passe : chacun en choisit
un avec « Mot de passe oublié ».

## Ce qui n'est pas dans l'archive

Le journal d'audit technique, les clés d'API, les invitations en cours, les compteurs de
tentatives de codes par structure, les pièces jointes des candidatures (des fichiers, remis à
part). Et, dans les tables ci-dessous :

"""

TABLES_HEADING = """
## Tables
"""


def readme() -> str:
    parts = [INTRODUCTION]
    parts += [f"- **{kind}** : {text}\n" for kind, text in KINDS.items()]
    parts.append(CODES)
    parts += [f"- `{table}.{name}` : {why}\n" for (table, name), why in LEFT_OUT.items()]
    parts.append(TABLES_HEADING)
    for table in TABLES:
        parts.append(f"\n### `{table.name}`\n\n{table.description}\n\n")
        if table.order:
            parts.append(f"Ordre : {', '.join(table.order)}.\n\n")
        parts.append("| colonne | contenu |\n|---|---|\n")
        for column in table.columns:
            if column.many:
                text = f"liste d'identifiants ({column.ref})"
            elif column.ref:
                text = f"identifiant ({column.ref})"
            elif column.name == table.kind:
                text = f"identifiant de la ligne ({table.kind})"
            else:
                model_field = table.model._meta.get_field(column.model_field)
                text = str(model_field.verbose_name)
            if column.personal:
                text += " — donnée personnelle"
            parts.append(f"| `{column.name}` | {text} |\n")
    return "".join(parts)
