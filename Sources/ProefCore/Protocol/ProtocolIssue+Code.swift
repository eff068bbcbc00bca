extension ProtocolIssue {
    /// Each kind of problem the protocol reader and checker report. A page words an issue by
    /// its code (catalogue key `protocolIssue.<code>`), filled with the issue's `values`; the
    /// values each code gives are named after it. The raw values are part of the API: rename a
    /// case only with its catalogue entries, and never reuse a name for another problem.
    public enum Code: String, CaseIterable, Sendable, Codable {
        // The document and its YAML.
        case documentEmpty
        /// problem (the YAML parser's English words)
        case notYAML
        /// keys
        case duplicateKey

        // Fields and their types. A wrong kind of value gives found (as the English message
        // says it), foundKind (mapping, list, text or alias) and foundText (the text, if any).
        /// found, foundKind, foundText
        case notMapping
        case keyNotPlain
        /// key, known (the allowed fields, comma-separated)
        case unknownField
        case required
        /// found, foundKind, foundText
        case notText
        case empty
        /// found, foundKind, foundText
        case notInteger
        /// found, foundKind, foundText
        case notNumber
        /// found, foundKind, foundText
        case notBoolean
        /// value
        case notDate
        /// value, allowed (comma-separated)
        case notOneOf
        /// found, foundKind, foundText
        case notList

        // The header: format, ids, municipalities, dates, sizes.
        /// format, supported (in English words: "1 and 2"), current
        case formatUnsupported
        case format2Needed
        /// value
        case invalidTrialID
        /// value
        case invalidMunicipalityCode
        /// value (a municipality, conflicting trial, stratum, factor or analysis covariate)
        case listedTwice
        /// start, registered
        case enrolmentBeforeRegistration
        /// end, start
        case enrolmentEndsBeforeStart
        /// followUpEnd, end
        case followUpEndsBeforeEnrolmentEnds
        /// followUpEnd, end, months, lastWave
        case followUpTooShort
        /// value
        case targetSampleTooSmall
        /// value
        case followUpMonthsOutOfRange
        /// version, known, current
        case allocationVersionUnknown
        /// value
        case invalidConflictID
        case conflictsWithItself

        // Arms.
        /// count
        case tooFewArms
        /// count
        case tooManyArms
        /// value
        case invalidArmID
        /// value
        case duplicateArmID
        /// weight
        case armWeightNotPositive
        /// weight
        case armWeightTooLarge
        /// count
        case controlArmCount

        // Covariates and derived covariates.
        /// value
        case invalidCovariateName
        /// value
        case reservedCovariateName
        /// value
        case duplicateCovariate
        case tooFewLevels
        /// value
        case duplicateLevel
        /// value
        case levelWithSeparator
        /// type
        case levelsNotCategorical
        /// type
        case rangeNotNumeric
        /// min, max (of a covariate, an eligibility rule or an outcome)
        case maxBelowMin
        /// value (named by a derivation or the analysis)
        case undeclaredCovariate
        /// value, covariate, levels (comma-separated)
        case notALevel
        /// covariate, type
        case derivedNotCategorical
        case derivedFromItself
        /// from
        case derivedFromDerived
        /// from, type
        case derivedFromNonNumeric
        /// covariate, from
        case derivedFromOptional
        /// level
        case bandLevelRepeated
        /// level, from, sourceMax
        case bandAboveSourceMax
        /// level
        case bandOpenBeforeLast
        /// from, max
        case bandMaxNotWhole
        /// max, previous
        case bandsNotIncreasing
        /// level, max, from, sourceMin
        case bandBelowSourceMin
        /// from, max (the source has no maximum)
        case lastBandClosed
        /// from, max, sourceMax
        case lastBandBelowSourceMax
        /// level, covariate
        case levelWithoutBand

        // The design.
        /// design
        case blockSizesMissing
        /// size, total
        case blockSizeNotMultiple
        /// size
        case blockSizeListedTwice
        /// design
        case blockSizesUnused
        case strataMissing
        /// design
        case strataUnused
        /// value
        case stratumUndeclared
        /// value, type
        case stratumNotCategorical
        /// value
        case stratumOptional
        case factorsMissing
        /// value
        case factorUndeclared
        /// value, type
        case factorNotCategorical
        /// value
        case factorOptional
        /// weight
        case factorWeightOutOfRange
        case weightsLCMTooLarge
        /// floor, value
        case randomElementOutOfRange
        case randomElementMissing
        case factorsUnused
        case randomElementUnused
        case clusterUnitMissing
        case clusterUnitUnused
        case municipalityStrataInClusters

        // Eligibility.
        /// value
        case invalidRuleID
        /// value
        case duplicateRuleID
        /// rule, covariate
        case ruleUnknownCovariate
        /// rule
        case ruleWithoutCondition
        /// covariate, type
        case oneOfNotCategorical
        /// covariate, type
        case rangeOnCategoricalRule
        case ruleOnDate

        // Outcomes.
        case noPrimaryOutcome
        /// value
        case invalidOutcomeID
        /// value
        case duplicateOutcomeID
        /// value
        case outcomeIsCovariate
        /// type
        case outcomeRangeNotAllowed
        case countBelowZero
        /// wave, months
        case waveOutsideFollowUp
        case wavesNotIncreasing
        case windowNegative

        // The analysis plan.
        /// value
        case alphaOutOfRange
        /// value
        case adjustingCovariateOptional
        /// value
        case adjustingCovariateDate
        case linWithoutCovariates
        /// design
        case cr2WithoutClusters
        case blockedWithoutStrata
        case riskDifferenceNeedsBinary
        case coxNeedsTimeToEvent
        /// estimator
        case clusterNeedsCR2

        // Labels and consent texts per language.
        /// value
        case unknownLanguage
        /// languages (in English words: "nl and en")
        case labelsWithoutLanguage
        /// given, missing, missingName (the missing language's English name)
        case labelsMissingLanguage
        /// text, others, language
        case labelTextMissing
        /// covariate, type
        case levelLabelsNotCategorical
        /// level
        case levelLabelMissing
    }
}
